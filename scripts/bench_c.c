/* The physical limit per core for `npm run bench`: the same job as varstream's hot loop, in plain C.
 * usage: bench_c N SEED C NORM   -> one JSON line {"n", "seconds" (best of 3), "quantile"}
 * One xoshiro128** stream (the RNG family varstream uses), a 256-layer ziggurat (Marsaglia & Tsang 2000) with 52-bit
 * magnitudes built from two 32-bit outputs, r = c + ||w||·z for every sample, then quickselect for the 1% quantile.
 * Build: gcc -O3 -march=native -o bench_c scripts/bench_c.c -lm (bench.ts does it in the temp dir). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint32_t s[4];
static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
static inline uint32_t next(void) {
  const uint32_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 9;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11);
  return result;
}
static uint32_t splitmix32(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL; z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (uint32_t)(z ^ (z >> 31));
}

static double zk[256], zw[256], zf[256];
static const double ZR = 3.6541528853610088, ZV = 0.00492867323399, ZM = 4503599627370496.0; /* 2^52 */
static void zig_init(void) {
  double dn = ZR, tn = dn, q = ZV / exp(-0.5 * dn * dn);
  zk[0] = (dn / q) * ZM; zk[1] = 0; zw[0] = q / ZM; zw[255] = dn / ZM; zf[0] = 1; zf[255] = exp(-0.5 * dn * dn);
  for (int i = 254; i >= 1; i--) {
    dn = sqrt(-2 * log(ZV / dn + exp(-0.5 * dn * dn)));
    zk[i + 1] = (dn / tn) * ZM; tn = dn; zf[i] = exp(-0.5 * dn * dn); zw[i] = dn / ZM;
  }
}
static inline double uniform(void) { return ((next() >> 5) * 67108864.0 + (next() >> 6)) * (1.0 / 9007199254740992.0); }
static inline double normal(void) {
  for (;;) {
    const uint32_t a = next(), b = next();
    const int iz = a & 255;
    const double u = (double)(a >> 9) * 536870912.0 + (b >> 3);
    const double sign = (a & 256) ? -1.0 : 1.0;
    if (u < zk[iz]) return sign * u * zw[iz];
    if (iz == 0) {
      double x, y;
      do { x = -log(1 - uniform()) / ZR; y = -log(1 - uniform()); } while (y + y < x * x);
      return sign * (ZR + x);
    }
    const double x = u * zw[iz];
    if (zf[iz] + uniform() * (zf[iz - 1] - zf[iz]) < exp(-0.5 * x * x)) return sign * x;
  }
}

static double select_kth(double *v, long n, long k) { /* Hoare quickselect, median of three */
  long lo = 0, hi = n - 1;
  while (hi > lo) {
    long mid = lo + (hi - lo) / 2;
    double a = v[lo], b = v[mid], c = v[hi];
    double p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
    long i = lo, j = hi;
    while (i <= j) {
      while (v[i] < p) i++;
      while (v[j] > p) j--;
      if (i <= j) { double t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
    }
    if (k <= j) hi = j; else if (k >= i) lo = i; else break;
  }
  return v[k];
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: bench_c N SEED C NORM\n"); return 2; }
  const long n = (long)atof(argv[1]);
  uint64_t seed = (uint64_t)atoll(argv[2]);
  const double c = atof(argv[3]), norm = atof(argv[4]);
  double *r = malloc(sizeof(double) * n);
  if (!r) return 1;
  zig_init();
  double best = 1e300, quantile = 0;
  for (int run = 0; run < 3; run++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t x = seed;
    for (int l = 0; l < 4; l++) s[l] = splitmix32(&x);
    for (long i = 0; i < n; i++) r[i] = c + norm * normal();
    quantile = select_kth(r, n, (long)(0.01 * n));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    if (sec < best) best = sec;
  }
  printf("{\"n\": %ld, \"seconds\": %.6f, \"quantile\": %.17g}\n", n, best, quantile);
  free(r);
  return 0;
}
