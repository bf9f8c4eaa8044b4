# Timings of lme4 / lmerTest / nlme fits for benchmarks/bench_lmm.py (run by it; not standalone).
#
#   Rscript benchmarks/bench_lmm.R DATA.csv KIND REPS
#
# KIND: lmer_rs     lme4::lmer(na ~ arm * week + (1 + day | participant), REML)
#       lmertest_rs lmerTest::lmer(...same...) + summary() (Satterthwaite df, like gutbrain's output)
#       lme_car1_ri nlme::lme(na ~ arm * week, random = ~ 1 | participant,
#                             correlation = corCAR1(form = ~ day | participant), REML)
#       lme_car1_rs the same with random = ~ 1 + day | participant
# Prints one JSON line: the elapsed seconds of each rep (system.time of the fit only: R start-up,
# package loading and reading the CSV are excluded) and the best.

suppressPackageStartupMessages({
  library(lme4)
  library(lmerTest)
  library(nlme)
})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
kind <- args[2]
reps <- as.integer(args[3])

fit_once <- switch(kind,
  lmer_rs = function() lme4::lmer(na ~ arm * week + (1 + day | participant), data = d),
  lmertest_rs = function() summary(lmerTest::lmer(na ~ arm * week + (1 + day | participant),
                                                  data = d)),
  lme_car1_ri = function() nlme::lme(na ~ arm * week, random = ~ 1 | participant,
                                     correlation = corCAR1(form = ~ day | participant), data = d),
  lme_car1_rs = function() nlme::lme(na ~ arm * week, random = ~ 1 + day | participant,
                                     correlation = corCAR1(form = ~ day | participant), data = d,
                                     control = lmeControl(returnObject = TRUE)),
  stop("unknown kind ", kind))

times <- numeric(reps)
for (i in seq_len(reps)) {
  times[i] <- suppressWarnings(suppressMessages(system.time(fit_once())[["elapsed"]]))
}
cat(sprintf('{"kind": "%s", "best_s": %.6f, "all_s": [%s], "lme4": "%s", "nlme": "%s"}\n',
            kind, min(times), paste(sprintf("%.6f", times), collapse = ", "),
            packageVersion("lme4"), packageVersion("nlme")))
