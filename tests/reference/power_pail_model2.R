# nlme reference for PowerAnalysisIL's README scenario, Model 2 (level-2 predictor).
#
# Scenario (PowerAnalysisIL README, github.com/ginettelafit/PowerAnalysisIL): T = 70 occasions,
# N in {15, 30, 45, 60, 80, 100}; intercept 43.01, effect of W 1.50; within-person SD 12.62 and
# AR(1) rho 0.46; random-intercept SD 12.90; W ~ N(15.70, 5.00), centred at its sample mean;
# alpha .05; REML. The data are generated as PowerAnalysisIL's Sim.Data.IL (Model 2): AR(1)
# errors scaled so that their marginal SD is the within-person SD. Each replicate is fitted with
# nlme::lme(Y ~ W, random = ~ 1 | subjno, correlation = corAR1(), method = "REML") and counts as
# a rejection when the t-test p of W (nlme's containment df, N - 2) is below alpha.
#
# Usage: Rscript tests/reference/power_pail_model2.R [REPS] [OUT.csv] [Ns, comma-separated]
#   defaults: 2000 reps per N, tests/reference/power_pail_model2.csv, all six N.
# Output columns: participants, reps, rejections, failed, power, mc_se, seconds.
# Failed fits (lme errors) are counted in `failed` and excluded from `reps`.

suppressPackageStartupMessages(library(nlme))

args <- commandArgs(trailingOnly = TRUE)
reps <- if (length(args) >= 1) as.integer(args[1]) else 2000L
out <- if (length(args) >= 2) args[2] else "tests/reference/power_pail_model2.csv"
ns <- if (length(args) >= 3) as.integer(strsplit(args[3], ",")[[1]]) else c(15, 30, 45, 60, 80, 100)

T_OCC <- 70
B00 <- 43.01
B01 <- 1.50
SIGMA <- 12.62
RHO <- 0.46
SIGMA_V0 <- 12.90
MU_W <- 15.70
SIGMA_W <- 5.00
ALPHA <- 0.05

simulate <- function(n) {
  w <- rnorm(n, MU_W, SIGMA_W)
  w <- w - mean(w)
  e <- unlist(lapply(seq_len(n), function(i)
    arima.sim(n = T_OCC, list(ar = RHO)) * SIGMA * sqrt(1 - RHO^2)))
  v <- rnorm(n, 0, SIGMA_V0)
  subjno <- rep(seq_len(n), each = T_OCC)
  data.frame(subjno = subjno, Time = rep(seq_len(T_OCC), n), W = w[subjno],
             Y = B00 + B01 * w[subjno] + v[subjno] + e)
}

one_p <- function(n) {
  d <- simulate(n)
  fit <- tryCatch(
    lme(Y ~ W, random = ~ 1 | subjno, correlation = corAR1(form = ~ Time | subjno),
        data = d, method = "REML"),
    error = function(e) NULL)
  if (is.null(fit)) return(NA_real_)
  summary(fit)$tTable["W", "p-value"]
}

# Counts are written after every 100 replicates, so an interrupted run leaves usable output.
rows <- list()
for (n in ns) {
  set.seed(20260 + n)
  t0 <- proc.time()[["elapsed"]]
  p <- numeric(0)
  while (length(p) < reps) {
    p <- c(p, vapply(seq_len(min(100L, reps - length(p))), function(r) one_p(n), numeric(1)))
    ok <- !is.na(p)
    rej <- sum(p[ok] < ALPHA)
    pw <- rej / sum(ok)
    rows[[as.character(n)]] <- data.frame(
      participants = n, reps = sum(ok), rejections = rej, failed = sum(!ok),
      power = pw, mc_se = sqrt(pw * (1 - pw) / sum(ok)),
      seconds = round(proc.time()[["elapsed"]] - t0, 2))
    write.csv(do.call(rbind, rows), out, row.names = FALSE)
  }
  message(sprintf("N = %d: power %.4f (%d reps, %d failed)", n, pw, sum(ok), sum(!ok)))
}
message(R.version.string, "; nlme ", packageVersion("nlme"))
