# Reference fits for gutbrain.analysis.lmm (tests/analysis/test_lmm_reference.py).
#
#   Rscript tests/reference/lmm_reference.R     (run from the repository root)
#
# Needs Debian packages r-base-core r-cran-lme4 r-cran-nlme r-cran-lmertest r-cran-jsonlite.
# Writes tests/reference/lmm_sleepstudy.csv, lmm_bodyweight.csv (the R data sets, so tests do
# not need R) and lmm_reference.json (one entry per fit: the R call, estimates, variance
# components, logLik/AIC/BIC, Satterthwaite df where lmerTest applies, and warnings).
# Optimiser tolerances are tightened so the references are the optimum to ~1e-9, not the default
# stopping point; the default-control lme4 fits are recorded too ("*_default").

suppressPackageStartupMessages({
  library(lme4)
  library(nlme)
  library(lmerTest)
  library(jsonlite)
})

out_dir <- "tests/reference"
sleep <- lme4::sleepstudy
sleep$Subject <- as.character(sleep$Subject)
write.csv(sleep, file.path(out_dir, "lmm_sleepstudy.csv"), row.names = FALSE)
bw <- as.data.frame(nlme::BodyWeight)
bw$Rat <- as.character(bw$Rat)
bw$Diet <- as.character(bw$Diet)
write.csv(bw[, c("weight", "Time", "Rat", "Diet")], file.path(out_dir, "lmm_bodyweight.csv"),
          row.names = FALSE)
diary <- read.csv(file.path(out_dir, "lmm_diary_sim.csv"), stringsAsFactors = FALSE)
scale_df <- read.csv(file.path(out_dir, "lmm_scale_sim.csv"), stringsAsFactors = FALSE)
singular_df <- read.csv(file.path(out_dir, "lmm_singular_sim.csv"), stringsAsFactors = FALSE)

tight_lmer <- lmerControl(optimizer = "bobyqa",
                          optCtrl = list(rhobeg = 0.2, rhoend = 1e-12, maxfun = 1e5),
                          check.conv.grad = .makeCC("ignore", tol = 2e-3))
# nlminb (nlme's default) stops ~1e-8 short in log-likelihood on the diary model; optim's BFGS
# with a tiny relative tolerance reaches the optimum (highest logLik of the controls tried).
tight_lme <- lmeControl(maxIter = 500, msMaxIter = 5000, msMaxEval = 5000, msTol = 1e-15,
                        opt = "optim", returnObject = TRUE)

results <- list()

capture_warnings <- function(expr) {
  w <- character(0)
  msg <- character(0)
  val <- withCallingHandlers(expr, warning = function(cond) {
    w <<- c(w, conditionMessage(cond))
    invokeRestart("muffleWarning")
  }, message = function(cond) {
    msg <<- c(msg, trimws(conditionMessage(cond)))
    invokeRestart("muffleMessage")
  })
  list(value = val, warnings = w, messages = msg)
}

lmer_entry <- function(call_text, data_name, data) {
  cw <- capture_warnings(eval(parse(text = call_text), envir = list(d = data)))
  fit <- cw$value
  vc <- as.data.frame(VarCorr(fit))
  s <- summary(fit)
  co <- coef(s)
  entry <- list(
    engine = "lme4", package_versions = list(lme4 = as.character(packageVersion("lme4")),
                                              lmerTest = as.character(packageVersion("lmerTest"))),
    call = call_text, data = data_name,
    reml = isREML(fit),
    fixef = as.list(fixef(fit)),
    se = as.list(co[, "Std. Error"]),
    vcov = unname(as.matrix(vcov(fit))),
    varcorr = list(grp = vc$grp, var1 = vc$var1, var2 = vc$var2, vcov = vc$vcov, sdcor = vc$sdcor),
    sigma = sigma(fit),
    theta = unname(getME(fit, "theta")),
    logLik = as.numeric(logLik(fit)),
    AIC = AIC(fit), BIC = BIC(fit),
    nobs = nobs(fit),
    warnings = cw$warnings,
    messages = cw$messages,
    optinfo_messages = fit@optinfo$conv$lme4$messages
  )
  if ("df" %in% colnames(co)) entry$df <- as.list(co[, "df"])
  re <- ranef(fit)[[1]]
  entry$ranef <- list(groups = rownames(re), columns = I(colnames(re)), values = unname(as.matrix(re)))
  entry$fitted_head <- unname(head(fitted(fit), 10))
  entry
}

lme_entry <- function(call_text, data_name, data) {
  cw <- capture_warnings(eval(parse(text = call_text), envir = list(d = data)))
  fit <- cw$value
  s <- summary(fit)
  tt <- s$tTable
  # Random-effect covariance at full precision (VarCorr() returns rounded text).
  re_cov <- pdMatrix(fit$modelStruct$reStruct)[[1]] * fit$sigma^2
  re_sd <- as.list(sqrt(diag(re_cov)))
  corr <- NULL
  if (nrow(re_cov) > 1) corr <- re_cov[2, 1] / sqrt(re_cov[1, 1] * re_cov[2, 2])
  phi <- NULL
  if (!is.null(fit$modelStruct$corStruct))
    phi <- as.numeric(coef(fit$modelStruct$corStruct, unconstrained = FALSE))
  re <- ranef(fit)
  list(
    engine = "nlme", package_versions = list(nlme = as.character(packageVersion("nlme"))),
    call = call_text, data = data_name,
    reml = fit$method == "REML",
    fixef = as.list(fixef(fit)),
    se = as.list(tt[, "Std.Error"]),
    vcov = unname(as.matrix(vcov(fit))),
    re_sd = re_sd,
    re_cov = unname(re_cov),
    re_corr = corr,
    sigma = fit$sigma,
    phi = phi,
    logLik = as.numeric(logLik(fit)),
    AIC = AIC(fit), BIC = BIC(fit),
    nobs = fit$dims$N,
    warnings = cw$warnings,
    messages = cw$messages,
    ranef = list(groups = rownames(re), columns = I(colnames(re)), values = unname(as.matrix(re))),
    fitted_head = unname(head(fitted(fit, level = 1), 10))
  )
}

# --- lme4 / lmerTest: sleepstudy ------------------------------------------------------------
sl <- "lmerTest::lmer(Reaction ~ Days + (1 | Subject), data = d, REML = %s, control = tight_lmer)"
ss <- "lmerTest::lmer(Reaction ~ Days + (1 + Days | Subject), data = d, REML = %s, control = tight_lmer)"
results$sleep_ri_reml <- lmer_entry(sprintf(sl, "TRUE"), "lmm_sleepstudy.csv", sleep)
results$sleep_ri_ml <- lmer_entry(sprintf(sl, "FALSE"), "lmm_sleepstudy.csv", sleep)
results$sleep_rs_reml <- lmer_entry(sprintf(ss, "TRUE"), "lmm_sleepstudy.csv", sleep)
results$sleep_rs_ml <- lmer_entry(sprintf(ss, "FALSE"), "lmm_sleepstudy.csv", sleep)
results$sleep_rs_reml_default <- lmer_entry(
  "lmerTest::lmer(Reaction ~ Days + (1 + Days | Subject), data = d)", "lmm_sleepstudy.csv", sleep)

# --- lme4 / lmerTest: simulated diary (88 x 28, ~20% missing days) ----------------------------
dl <- "lmerTest::lmer(na ~ arm * week + baseline + (1 + day | participant), data = d, REML = %s, control = tight_lmer)"
results$diary_rs_reml <- lmer_entry(sprintf(dl, "TRUE"), "lmm_diary_sim.csv", diary)
results$diary_rs_ml <- lmer_entry(sprintf(dl, "FALSE"), "lmm_diary_sim.csv", diary)
di <- "lmerTest::lmer(na ~ arm * week + baseline + (1 | participant), data = d, REML = %s, control = tight_lmer)"
results$diary_ri_reml <- lmer_entry(sprintf(di, "TRUE"), "lmm_diary_sim.csv", diary)
results$diary_ri_ml <- lmer_entry(sprintf(di, "FALSE"), "lmm_diary_sim.csv", diary)

# Satterthwaite df of a contrast: the probiotic-minus-placebo difference at week 4.
fit <- eval(parse(text = sprintf(dl, "TRUE")), envir = list(d = diary))
L <- c(0, 1, 0, 0, 4)
ct <- lmerTest::contest1D(fit, L)
results$diary_rs_reml_contrast <- list(
  call = paste0(sprintf(dl, "TRUE"), "; lmerTest::contest1D(fit, c(0, 1, 0, 0, 4))"),
  L = L, estimate = ct$Estimate, se = ct$`Std. Error`, df = ct$df, t = ct$`t value`,
  p = ct$`Pr(>|t|)`)

# Likelihood-ratio test, random intercept vs random intercept + slope (ML fits).
m0 <- eval(parse(text = sprintf(di, "FALSE")), envir = list(d = diary))
m1 <- eval(parse(text = sprintf(dl, "FALSE")), envir = list(d = diary))
av <- anova(m0, m1)
results$diary_lrt <- list(
  call = "anova(m0, m1) with m0 = diary_ri_ml, m1 = diary_rs_ml",
  chisq = av$Chisq[2], df = av$Df[2], p = av$`Pr(>Chisq)`[2],
  logLik = av$logLik)

# --- nlme with corCAR1: BodyWeight (irregular times 1..64 days) ------------------------------
bri <- "nlme::lme(weight ~ Time * Diet, random = ~ 1 | Rat, correlation = corCAR1(form = ~ Time | Rat), data = d, method = '%s', control = tight_lme)"
brs <- "nlme::lme(weight ~ Time * Diet, random = ~ Time | Rat, correlation = corCAR1(form = ~ Time | Rat), data = d, method = '%s', control = tight_lme)"
results$bw_ri_car1_reml <- lme_entry(sprintf(bri, "REML"), "lmm_bodyweight.csv", bw)
results$bw_ri_car1_ml <- lme_entry(sprintf(bri, "ML"), "lmm_bodyweight.csv", bw)
results$bw_rs_car1_reml <- lme_entry(sprintf(brs, "REML"), "lmm_bodyweight.csv", bw)
results$bw_rs_car1_ml <- lme_entry(sprintf(brs, "ML"), "lmm_bodyweight.csv", bw)

# --- nlme with corCAR1: simulated diary ------------------------------------------------------
dri <- "nlme::lme(na ~ arm * week + baseline, random = ~ 1 | participant, correlation = corCAR1(form = ~ day | participant), data = d, method = '%s', control = tight_lme)"
drs <- "nlme::lme(na ~ arm * week + baseline, random = ~ 1 + day | participant, correlation = corCAR1(form = ~ day | participant), data = d, method = '%s', control = tight_lme)"
results$diary_ri_car1_reml <- lme_entry(sprintf(dri, "REML"), "lmm_diary_sim.csv", diary)
results$diary_ri_car1_ml <- lme_entry(sprintf(dri, "ML"), "lmm_diary_sim.csv", diary)
results$diary_rs_car1_reml <- lme_entry(sprintf(drs, "REML"), "lmm_diary_sim.csv", diary)
results$diary_rs_car1_ml <- lme_entry(sprintf(drs, "ML"), "lmm_diary_sim.csv", diary)

# --- nlme without AR on sleepstudy (lme4 and nlme must agree) ---------------------------------
results$sleep_rs_reml_nlme <- lme_entry(
  "nlme::lme(Reaction ~ Days, random = ~ Days | Subject, data = d, method = 'REML', control = tight_lme)",
  "lmm_sleepstudy.csv", sleep)

# --- badly scaled covariate: lme4 warns on raw data; the rescaled fit is the reference ------
results$scale_raw_default <- lmer_entry(
  "lme4::lmer(y ~ steps + x + (1 + steps | participant), data = d, REML = FALSE)",
  "lmm_scale_sim.csv", scale_df)
scale_df$steps_10k <- scale_df$steps / 1e4
results$scale_rescaled <- lmer_entry(
  "lme4::lmer(y ~ steps_10k + x + (1 + steps_10k | participant), data = d, REML = FALSE, control = tight_lmer)",
  "lmm_scale_sim.csv (steps_10k = steps / 1e4)", scale_df)

# --- a singular fit: the random-slope covariance ends rank 1 (theta[3] = 0) ------------------
sg <- "lmerTest::lmer(y ~ x + (1 + x | g), data = d, REML = %s, control = tight_lmer)"
results$singular_reml <- lmer_entry(sprintf(sg, "TRUE"), "lmm_singular_sim.csv", singular_df)
results$singular_ml <- lmer_entry(sprintf(sg, "FALSE"), "lmm_singular_sim.csv", singular_df)

results$meta <- list(R = R.version.string, script = "tests/reference/lmm_reference.R")
writeLines(toJSON(results, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           file.path(out_dir, "lmm_reference.json"))
cat("wrote", file.path(out_dir, "lmm_reference.json"), "\n")
