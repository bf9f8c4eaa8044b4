# nlme's containment ("between/within") fixed-effect df on Orthodont (27 subjects x 4 ages,
# 16 boys and 11 girls), the reference for tests/power/test_fitting.py. Only the design's
# structure matters for these df. Output: tests/reference/power_containment_df.csv.
# Usage: Rscript tests/reference/power_containment_df.R
suppressPackageStartupMessages(library(nlme))
f1 <- lme(distance ~ age * Sex, random = ~ age | Subject, data = Orthodont)
f2 <- lme(distance ~ Sex - 1 + age, random = ~ 1 | Subject, data = Orthodont)
out <- rbind(
  data.frame(model = "age*Sex", term = rownames(summary(f1)$tTable), df = summary(f1)$tTable[, "DF"]),
  data.frame(model = "Sex-1+age", term = rownames(summary(f2)$tTable), df = summary(f2)$tTable[, "DF"])
)
write.csv(out, "tests/reference/power_containment_df.csv", row.names = FALSE)
