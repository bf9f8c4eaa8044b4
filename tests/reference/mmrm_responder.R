# Reference fits for gutbrain's MMRM and responder analyses (tests/analysis/test_mmrm_reference.py).
#
#   Rscript tests/reference/mmrm_responder.R     (run from the repository root)
#
# Needs Debian packages r-base-core r-recommended (nlme) r-cran-emmeans r-cran-jsonlite.
# Reads tests/reference/mmrm_nik2023_visits.csv (written by make_mmrm_dataset.py: the visits of a
# simulated NIK2023 bundle) and writes tests/reference/mmrm_responder.json with, per instrument:
#   - the MMRM  change ~ arm * visit + baseline * visit  fitted by nlme::gls, REML, with an
#     unstructured covariance (corSymm over the visit index, varIdent by visit): coefficients,
#     SEs, logLik, the covariance over visits, and from emmeans the treatment effect per visit and
#     the adjusted mean change per arm and visit (at the mean baseline over participants), with
#     Satterthwaite df and 95% CIs;
#   - the responder (>= 50% fall from a baseline above 0) and remission (score <= cut-off) analyses at the
#     last visit: glm(event ~ arm + baseline, binomial) coefficients, SEs, Wald CIs
#     (confint.default) and p values; the risk difference with prop.test's Wald interval
#     (correct = FALSE).
# gls tolerances are tightened so the reference is the optimum, not the default stopping point.

suppressPackageStartupMessages({
  library(nlme)
  library(emmeans)
  library(jsonlite)
})

out_dir <- "tests/reference"
d <- read.csv(file.path(out_dir, "mmrm_nik2023_visits.csv"), stringsAsFactors = FALSE)
control <- "placebo"
treatment <- "probiotic"
# Remission cut-offs: HAMD-17 <= 7 (Frank et al. 1991), IDS-C30 <= 11 (Trivedi et al. 2004).
cutoffs <- c("HAMD-17" = 7, "IDS-C30" = 11)
tight <- glsControl(maxIter = 500, msMaxIter = 5000, tolerance = 1e-12, msTol = 1e-14,
                    opt = "optim", returnObject = TRUE, natural = FALSE, .relStep = 1e-4)

binary <- function(event, last) {
  last$event <- as.integer(event)
  g <- glm(event ~ arm + baseline, family = binomial, data = last,
           control = glm.control(epsilon = 1e-14, maxit = 100))
  s <- summary(g)$coefficients
  ci <- confint.default(g)
  x <- tapply(last$event, last$arm, sum)
  n <- tapply(last$event, last$arm, length)
  pt <- suppressWarnings(prop.test(as.vector(x[c(treatment, control)]),
                                   as.vector(n[c(treatment, control)]),
                                   correct = FALSE))
  list(
    events = as.list(x), n = as.list(n),
    risk_difference = unname(x[treatment] / n[treatment] - x[control] / n[control]),
    rd_ci = unname(pt$conf.int[1:2]),
    glm_terms = rownames(s), glm_estimate = unname(s[, 1]), glm_se = unname(s[, 2]),
    glm_p = unname(s[, 4]), glm_ci_low = unname(ci[, 1]), glm_ci_high = unname(ci[, 2])
  )
}

results <- list()
for (inst in names(cutoffs)) {
  v <- d[d$instrument == inst, ]
  days <- tapply(v$day, v$visit, median)
  ord <- names(sort(days))
  base <- v[v$visit == ord[1], c("participant", "score")]
  names(base)[2] <- "baseline"
  post <- merge(v[v$visit %in% ord[-1], ], base, by = "participant")
  post$change <- post$score - post$baseline
  post$arm <- factor(post$arm, levels = c(control, treatment))
  post$visit <- factor(post$visit, levels = ord[-1])
  post$k <- as.integer(post$visit)
  post <- post[order(post$participant, post$k), ]
  fit <- gls(change ~ arm * visit + baseline * visit, data = post, method = "REML",
             correlation = corSymm(form = ~ k | participant),
             weights = varIdent(form = ~ 1 | visit), control = tight)
  full <- names(which(table(post$participant) == nlevels(post$visit)))[1]
  mean_base <- mean(base$baseline[base$participant %in% post$participant])
  emm <- emmeans(fit, ~ arm | visit, mode = "satterthwaite", at = list(baseline = mean_base))
  means <- as.data.frame(summary(emm, infer = TRUE))
  eff <- as.data.frame(summary(contrast(emm, "revpairwise"), infer = TRUE))
  last <- post[post$visit == ord[length(ord)], ]
  pos <- last[last$baseline > 0, ]  # a fall by half is undefined from a baseline of 0
  results[[inst]] <- list(
    call = paste(deparse(fit$call), collapse = " "),
    visits = ord[-1], baseline_visit = ord[1], n_obs = nrow(post),
    terms = names(coef(fit)), estimate = unname(coef(fit)),
    se = unname(sqrt(diag(vcov(fit)))), logLik = as.numeric(logLik(fit)),
    covariance = unname(matrix(unclass(getVarCov(fit, individual = full)), nlevels(post$visit))),
    mean_baseline = mean_base,
    effects = list(visit = as.character(eff$visit), estimate = eff$estimate, se = eff$SE,
                   df = eff$df, ci_low = eff$lower.CL, ci_high = eff$upper.CL, p = eff$p.value),
    means = list(arm = as.character(means$arm), visit = as.character(means$visit),
                 estimate = means$emmean, se = means$SE, df = means$df,
                 ci_low = means$lower.CL, ci_high = means$upper.CL),
    response = binary((pos$baseline - pos$score) / pos$baseline >= 0.5, pos),
    remission = binary(last$score <= cutoffs[[inst]], last),
    versions = list(R = R.version.string, nlme = as.character(packageVersion("nlme")),
                    emmeans = as.character(packageVersion("emmeans")))
  )
}
writeLines(toJSON(results, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           file.path(out_dir, "mmrm_responder.json"))
cat("wrote", file.path(out_dir, "mmrm_responder.json"), "\n")
