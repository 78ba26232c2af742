package dev.sparrow.graph;

/** erf, which Java lacks; shared by the reference evaluator and the plan's steps so both agree to float precision. */
public final class Erf {
    private Erf() {}

    /**
     * erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!: every term positive, so no cancellation, and
     * beyond |x| = 6 erf is 1 to double precision. (Java has no erf.)
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x);
        if (a >= 6) return Math.signum(x);
        double term = a, sum = a, x2 = a * a;
        for (int n = 1; n < 200 && term > 1e-17 * sum; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
        }
        double r = 2 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum;
        return Math.copySign(Math.min(r, 1.0), x);
    }
}
