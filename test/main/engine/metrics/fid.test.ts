// FID's Fréchet distance against closed forms: diagonal Gaussians, a 2×2 pair whose covariances do
// not commute (tr √(Σ₁^½Σ₂Σ₁^½) = √(tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂)) for 2×2), and feature sets related
// by y = c·x + b (Σ₂ = c²Σ₁ exactly: FID = ‖μ₁ − μ₂‖² + (1 − c)² tr Σ₁) through both routes.
import { describe, expect, it } from 'vitest';
import { cheaperRoute, featureMoments, fidFromFeatures, frechetDistance } from '../../../../main/engine/metrics/fid.js';

const moments = (mean: number[], cov: number[][]) => ({ d: mean.length, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()) });

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function features(n: number, d: number, seed: number): Float32Array[] {
  const r = rng(seed);
  // correlated: each feature mixes its neighbours, so the covariance is far from diagonal
  return Array.from({ length: n }, () => {
    const z = Array.from({ length: d }, () => r());
    return Float32Array.from(z, (_, j) => z[j]! + 0.7 * z[(j + 1) % d]! - 0.3 * z[(j + 3) % d]! + 0.1 * j);
  });
}

describe('Fréchet distance', () => {
  it('diagonal Gaussians: ‖μ₁ − μ₂‖² + Σ (σ₁ − σ₂)²', () => {
    const a = moments([1, 2, 3], [[1, 0, 0], [0, 4, 0], [0, 0, 9]]);
    const b = moments([0, 2, 5], [[4, 0, 0], [0, 1, 0], [0, 0, 9]]);
    expect(frechetDistance(a, b)).toBeCloseTo(5 + 1 + 1 + 0, 10);
    expect(frechetDistance(a, a)).toBeCloseTo(0, 10);
  });

  it('non-commuting 2×2 covariances', () => {
    const a = moments([0, 0], [[2, 1], [1, 2]]);
    const b = moments([0, 0], [[3, 0], [0, 1]]);
    // tr Σ₁Σ₂ = 8, det Σ₁ = det Σ₂ = 3 → tr sqrt = √14
    expect(frechetDistance(a, b)).toBeCloseTo(4 + 4 - 2 * Math.sqrt(14), 10);
    expect(frechetDistance(b, a)).toBeCloseTo(4 + 4 - 2 * Math.sqrt(14), 10);
  });

  it('sample moments in float64 (N − 1)', () => {
    const m = featureMoments([Float32Array.of(1, 0), Float32Array.of(-1, 2), Float32Array.of(3, 4)]);
    expect(Array.from(m.mean)).toEqual([1, 2]);
    // deviations (0,−2), (−2,0), (2,2): Σ = [[8, 4], [4, 8]] / 2
    expect(Array.from(m.cov, (v) => +v.toFixed(12))).toEqual([4, 2, 2, 4]);
  });

  it('the cheaper route: Gram below about 1.25·d samples, moments above', () => {
    expect([cheaperRoute(500, 500, 2048), cheaperRoute(2100, 2100, 2048), cheaperRoute(3000, 3000, 2048), cheaperRoute(100, 9000, 2048)]).toEqual(['gram', 'gram', 'moments', 'gram']);
  });

  for (const [n, d, route] of [[10, 16, 'gram'], [40, 16, 'moments']] as const) {
    it(`y = 3x + b over N = ${n}, d = ${d}: the ${route} route gives ‖μ₁ − μ₂‖² + 4 tr Σ₁, and the other route agrees`, () => {
      const x = features(n, d, 7 + n);
      const b = Array.from({ length: d }, (_, j) => (j % 3) - 1);
      const y = x.map((f) => Float32Array.from(f, (v, j) => 3 * v + b[j]!));
      // the exact answer from float64 copies of the same float32 features
      const m1 = featureMoments(x);
      let shift = 0;
      for (let j = 0; j < d; j++) shift += (m1.mean[j]! - (3 * m1.mean[j]! + b[j]!)) ** 2;
      let trace = 0;
      for (let j = 0; j < d; j++) trace += m1.cov[j * d + j]!;
      const exact = shift + 4 * trace;
      const r = fidFromFeatures(x, y);
      expect(r.route).toBe(route);
      // y was rounded to float32: relative agreement to ~1e-6
      expect(Math.abs(r.fid - exact) / exact).toBeLessThan(1e-5);
      const other = fidFromFeatures(x, y, { route: route === 'gram' ? 'moments' : 'gram' });
      // √ of round-off-sized eigenvalues (~1e-16) adds ~1e-8 each: agreement to 1e-7 relative
      expect(Math.abs(other.fid - r.fid) / exact).toBeLessThan(1e-7);
      expect(fidFromFeatures(x, x).fid).toBeLessThan(1e-6 * exact);
    });
  }

  it('warns below the preset\'s sample count and rejects unusable sets naming them', () => {
    const x = features(12, 4, 3);
    expect(fidFromFeatures(x, x, { warnBelow: 2048 }).warnings.join('\n')).toMatch(/12 real samples \(< 2048\).*rank-deficient/);
    expect(fidFromFeatures(x, x, { warnBelow: 10 }).warnings).toEqual([]);
    expect(() => fidFromFeatures(x.slice(0, 1), x)).toThrow(/real set has 1 feature vector/);
    expect(() => fidFromFeatures(x, [Float32Array.of(1), Float32Array.of(2)])).toThrow(/4 values, generated 1/);
  });
});
