package dev.longtune.training.trains;

/**
 * A small deterministic SVD in double precision (one-sided Jacobi, Hestenes), for PiSSA initialisation: DJL 0.36 has
 * no SVD on its NDArray API ({@code NDLinalg} does not exist for the PyTorch engine), so this runs in Java. It is
 * exact to double rounding and fine for the sizes adapters are tested on; for a 4096×4096 weight it is slow (minutes),
 * like any O(n³) Java loop.
 */
final class Svd {

    /** U [m, k], singular values descending [k], Vᵀ [k, n] with k = min(m, n). */
    record Result(double[][] u, double[] s, double[][] vt) {}

    private Svd() {}

    /** SVD of {@code a} ([m][n], not modified). */
    static Result of(double[][] a) {
        int m = a.length;
        int n = a[0].length;
        if (m < n) {
            Result t = of(transpose(a));
            return new Result(transpose(t.vt()), t.s(), transpose(t.u()));
        }
        // m >= n: orthogonalise the columns of U = A·V by plane rotations.
        double[][] u = new double[m][];
        for (int i = 0; i < m; i++) {
            u[i] = a[i].clone();
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 60; sweep++) {
            double off = 0;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = 0;
                    double beta = 0;
                    double gamma = 0;
                    for (int i = 0; i < m; i++) {
                        alpha += u[i][p] * u[i][p];
                        beta += u[i][q] * u[i][q];
                        gamma += u[i][p] * u[i][q];
                    }
                    if (gamma == 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) {
                        continue;
                    }
                    off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    for (int i = 0; i < m; i++) {
                        double up = u[i][p];
                        double uq = u[i][q];
                        u[i][p] = c * up - s * uq;
                        u[i][q] = s * up + c * uq;
                    }
                    for (int i = 0; i < n; i++) {
                        double vp = v[i][p];
                        double vq = v[i][q];
                        v[i][p] = c * vp - s * vq;
                        v[i][q] = s * vp + c * vq;
                    }
                }
            }
            if (off < 1e-15) {
                break;
            }
        }
        double[] s = new double[n];
        for (int j = 0; j < n; j++) {
            double norm = 0;
            for (int i = 0; i < m; i++) {
                norm += u[i][j] * u[i][j];
            }
            s[j] = Math.sqrt(norm);
        }
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(s[y], s[x]) != 0 ? Double.compare(s[y], s[x])
                : Integer.compare(x, y));
        double[][] uo = new double[m][n];
        double[] so = new double[n];
        double[][] vt = new double[n][n];
        for (int k = 0; k < n; k++) {
            int j = order[k];
            so[k] = s[j];
            // Sign convention for determinism: the largest-magnitude entry of each right singular vector positive.
            int arg = 0;
            for (int i = 1; i < n; i++) {
                if (Math.abs(v[i][j]) > Math.abs(v[arg][j])) {
                    arg = i;
                }
            }
            double sign = v[arg][j] < 0 ? -1 : 1;
            for (int i = 0; i < m; i++) {
                uo[i][k] = s[j] == 0 ? 0 : sign * u[i][j] / s[j];
            }
            for (int i = 0; i < n; i++) {
                vt[k][i] = sign * v[i][j];
            }
        }
        return new Result(uo, so, vt);
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }
}
