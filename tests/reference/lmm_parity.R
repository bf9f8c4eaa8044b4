# Reference values for the lme4/lmerTest/nlme parity features of gutbrain.analysis.lmm
# (tests/analysis/test_lmm_parity.py): predict(newdata), multi-df F tests with Satterthwaite
# (and Kenward-Roger, recorded for the docs) df, profile confidence intervals of variance
# components, and nlme's discrete-time corAR1.
#
#   Rscript tests/reference/lmm_parity.R     (run from the repository root)
#
# Needs Debian packages r-base-core r-cran-lme4 r-cran-nlme r-cran-lmertest r-cran-pbkrtest
# r-cran-jsonlite. Reads the CSVs written by lmm_reference.R; writes lmm_newdata.csv (rows to
# predict, including a participant the fit never saw) and lmm_parity.json. A separate script
# from lmm_reference.R so that the existing references stay byte for byte as they are.

for (pkg in c("lme4", "nlme", "lmerTest", "jsonlite"))
  suppressPackageStartupMessages(library(pkg, character.only = TRUE))

out_dir <- "tests/reference"
sleep <- read.csv(file.path(out_dir, "lmm_sleepstudy.csv"), stringsAsFactors = FALSE)
bw <- read.csv(file.path(out_dir, "lmm_bodyweight.csv"), stringsAsFactors = FALSE)
bw$Rat <- as.character(bw$Rat)
bw$Diet <- as.character(bw$Diet)
diary <- read.csv(file.path(out_dir, "lmm_diary_sim.csv"), stringsAsFactors = FALSE)

tight_lmer <- lmerControl(optimizer = "bobyqa",
                          optCtrl = list(rhobeg = 0.2, rhoend = 1e-12, maxfun = 1e5),
                          check.conv.grad = .makeCC("ignore", tol = 2e-3))
# The lmer control is lmm_reference.R's. Its lme control (optim's BFGS, chosen for corCAR1)
# fails on corAR1 ("Coefficient matrix not invertible"): nlminb, nlme's default, tightened.
tight_lme <- lmeControl(maxIter = 500, msMaxIter = 5000, msMaxEval = 5000, msTol = 1e-14,
                        msVerbose = FALSE, returnObject = TRUE,
                        nlmStepMax = 10, niterEM = 0, tolerance = 1e-10)
results <- list()

# --- predict(newdata): population level (re.form = NA) and conditional, new levels allowed ---
newdata <- diary[c(1:6, 40:45), c("participant", "arm", "day", "week", "baseline")]
unseen <- newdata[1:4, ]
unseen$participant <- "P999"
shifted <- newdata[7:10, ]
shifted$day <- shifted$day + 30
shifted$week <- shifted$day / 7
newdata <- rbind(newdata, unseen, shifted)
write.csv(newdata, file.path(out_dir, "lmm_newdata.csv"), row.names = FALSE)
dl <- "lmerTest::lmer(na ~ arm * week + baseline + (1 + day | participant), data = d, REML = TRUE, control = tight_lmer)"
fit <- eval(parse(text = dl), envir = list(d = diary))
results$predict_diary_rs_reml <- list(
  call = paste0(dl, "; predict(fit, newdata, re.form = NA); predict(fit, newdata, allow.new.levels = TRUE)"),
  population = unname(predict(fit, newdata = newdata, re.form = NA)),
  conditional = unname(predict(fit, newdata = newdata, allow.new.levels = TRUE)))

# --- multi-df F tests: lmerTest anova(type = 3) and contest(joint = TRUE) ----------------
f_entry <- function(call_text, data) {
  fit <- eval(parse(text = call_text), envir = list(d = data))
  sat <- anova(fit, type = 3, ddf = "Satterthwaite")
  kr <- anova(fit, type = 3, ddf = "Kenward-Roger")
  list(call = paste0(call_text, "; anova(fit, type = 3, ddf = 'Satterthwaite' / 'Kenward-Roger')"),
       terms = rownames(sat), numdf = sat$NumDF, dendf = sat$DenDF, F = sat$`F value`,
       p = sat$`Pr(>F)`, logLik = as.numeric(logLik(fit)), fixef = as.list(fixef(fit)), kr_dendf = kr$DenDF, kr_F = kr$`F value`, kr_p = kr$`Pr(>F)`)
}
bws <- "lmerTest::lmer(weight ~ Time * Diet + (1 + Time | Rat), data = d, REML = TRUE, control = tight_lmer)"
results$anova_bw_rs_reml <- f_entry(bws, bw)
results$anova_diary_rs_reml <- f_entry(dl, diary)
L <- rbind(c(0, 1, 0, 0, 4), c(0, 0, 1, 0, 0), c(0, 0, 0, 1, 0))
ct <- lmerTest::contest(fit, L, joint = TRUE)
results$contest_diary_rs_reml <- list(
  call = paste0(dl, "; lmerTest::contest(fit, L, joint = TRUE)"), L = L,
  numdf = ct$NumDF, dendf = ct$DenDF, F = ct$`F value`, p = ct$`Pr(>F)`)

# --- profile confidence intervals (lme4 confint(method = "profile")) ------------------------
ci_entry <- function(call_text, data) {
  fit <- eval(parse(text = call_text), envir = list(d = data))
  pr <- profile(fit, signames = FALSE)
  ci <- confint(pr, level = 0.95)
  list(call = paste0(call_text, "; confint(profile(fit, signames = FALSE), level = 0.95)"),
       params = rownames(ci), lower = unname(ci[, 1]), upper = unname(ci[, 2]),
       logLik = as.numeric(logLik(fit)))
}
results$confint_sleep_rs_ml <- ci_entry(
  "lme4::lmer(Reaction ~ Days + (1 + Days | Subject), data = d, REML = FALSE, control = tight_lmer)",
  sleep)
# lme4 1.1-31 profiles the ML deviance even for a REML fit: this REML entry's intervals equal
# the ML entry's below (gutbrain profiles the fit's own criterion; see docs/analysis.md).
results$confint_sleep_ri_ml <- ci_entry(
  "lme4::lmer(Reaction ~ Days + (1 | Subject), data = d, REML = FALSE, control = tight_lmer)",
  sleep)
results$confint_sleep_ri_reml <- ci_entry(
  "lme4::lmer(Reaction ~ Days + (1 | Subject), data = d, REML = TRUE, control = tight_lmer)",
  sleep)

# --- nlme discrete-time corAR1 (integer days with gaps) --------------------------------------
ar_entry <- function(call_text, data) {
  fit <- eval(parse(text = call_text), envir = list(d = data))
  re_cov <- pdMatrix(fit$modelStruct$reStruct)[[1]] * fit$sigma^2
  list(call = call_text, fixef = as.list(fixef(fit)), se = as.list(summary(fit)$tTable[, "Std.Error"]),
       re_cov = unname(re_cov), sigma = fit$sigma,
       phi = as.numeric(coef(fit$modelStruct$corStruct, unconstrained = FALSE)),
       logLik = as.numeric(logLik(fit)))
}
dar <- "nlme::lme(na ~ arm * week + baseline, random = ~ 1 | participant, correlation = corAR1(form = ~ day | participant), data = d, method = '%s', control = tight_lme)"
results$diary_ri_ar1_reml <- ar_entry(sprintf(dar, "REML"), diary)
results$diary_ri_ar1_ml <- ar_entry(sprintf(dar, "ML"), diary)
results$sleep_ri_ar1_reml <- ar_entry(
  "nlme::lme(Reaction ~ Days, random = ~ 1 | Subject, correlation = corAR1(form = ~ Days | Subject), data = d, method = 'REML', control = tight_lme)",
  sleep)

# Negative lag-1 correlation, which corCAR1 cannot express: 40 participants x 30 days, AR(1)
# residuals with phi = -0.4 on the full daily grid, then ~20% of days dropped (gaps).
set.seed(23)
sim <- do.call(rbind, lapply(1:40, function(i) {
  e <- as.numeric(arima.sim(list(ar = -0.4), n = 30, sd = 1))
  d <- data.frame(participant = sprintf("S%02d", i), day = 0:29,
                  y = 5 + 0.1 * (0:29) + rnorm(1, 0, 2) + e)
  d[runif(30) > 0.2, ]
}))
write.csv(sim, file.path(out_dir, "lmm_ar1_negative_sim.csv"), row.names = FALSE)
neg <- "nlme::lme(y ~ day, random = ~ 1 | participant, correlation = corAR1(form = ~ day | participant), data = d, method = '%s', control = tight_lme)"
results$neg_ri_ar1_reml <- ar_entry(sprintf(neg, "REML"), sim)
results$neg_ri_ar1_ml <- ar_entry(sprintf(neg, "ML"), sim)

# --- crossed and nested random intercepts: lme4's Penicillin (plate x sample) and Pastes
# (cask within batch) ----------------------------------------------------------------------
pen <- as.data.frame(lme4::Penicillin)
pen$plate <- as.character(pen$plate); pen$sample <- as.character(pen$sample)
write.csv(pen, file.path(out_dir, "lmm_penicillin.csv"), row.names = FALSE)
pas <- as.data.frame(lme4::Pastes)[, c("strength", "batch", "cask")]
pas$batch <- as.character(pas$batch); pas$cask <- as.character(pas$cask)
write.csv(pas, file.path(out_dir, "lmm_pastes.csv"), row.names = FALSE)
cr_entry <- function(call_text, data) {
  fit <- eval(parse(text = call_text), envir = list(d = data))
  vc <- as.data.frame(VarCorr(fit))
  list(call = call_text, fixef = as.list(fixef(fit)), se = as.list(coef(summary(fit))[, "Std. Error"]),
       grp = vc$grp, sdcor = vc$sdcor, logLik = as.numeric(logLik(fit)), AIC = AIC(fit), BIC = BIC(fit))
}
for (reml in c(TRUE, FALSE)) {
  tag <- if (reml) "reml" else "ml"
  results[[paste0("crossed_penicillin_", tag)]] <- cr_entry(sprintf(
    "lme4::lmer(diameter ~ 1 + (1 | plate) + (1 | sample), data = d, REML = %s, control = tight_lmer)", reml), pen)
  results[[paste0("nested_pastes_", tag)]] <- cr_entry(sprintf(
    "lme4::lmer(strength ~ 1 + (1 | batch/cask), data = d, REML = %s, control = tight_lmer)", reml), pas)
}

results$meta <- list(R = R.version.string, script = "tests/reference/lmm_parity.R",
                     versions = list(lme4 = as.character(packageVersion("lme4")),
                                     lmerTest = as.character(packageVersion("lmerTest")),
                                     nlme = as.character(packageVersion("nlme")),
                                     pbkrtest = as.character(packageVersion("pbkrtest"))))
writeLines(toJSON(results, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           file.path(out_dir, "lmm_parity.json"))
cat("wrote", file.path(out_dir, "lmm_parity.json"), "\n")
