// The Fréchet Inception Distance (Heusel et al. 2017) between two sets of Inception pool features,
// in float64: d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½, Σ the sample covariance (N − 1,
// as np.cov). The trace of the matrix square root is taken from eigenvalues of symmetric matrices —
// never a non-symmetric sqrtm, whose round-off gives the complex parts pytorch-fid has to drop:
// - moments route (any N): Σ₁ = V Λ Vᵀ, B = V Λ^½; the eigenvalues of Bᵀ Σ₂ B are those of
//   Σ₁^½ Σ₂ Σ₁^½ (an orthogonal similarity), and tr(·)^½ = Σ √λᵢ.
// - Gram route (exact; cheaper up to N ≈ 1.25·d): with Aᵢ = (Xᵢ − μᵢ)/√(Nᵢ − 1), Σᵢ = AᵢᵀAᵢ, the non-zero
//   eigenvalues of Σ₁Σ₂ are the squared singular values of A₁A₂ᵀ (N₁ × N₂), so the trace term is
//   that matrix's nuclear norm — an N × N eigenproblem instead of a d × d one.
// Eigen-decompositions by ml-matrix (JAMA's Householder tridiagonalisation + implicit QL, float64):
// a well-kept, dependency-light library whose symmetric solver is backward stable; tiny negative
// eigenvalues from round-off are clamped to 0.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface GaussianMoments {
  n: number;
  d: number;
  mean: Float64Array;
  /** d × d row-major, sample covariance (divided by n − 1) */
  cov: Float64Array;
}

function checkFeatures(features: readonly ArrayLike<number>[], what: string): number {
  if (features.length < 2) throw new Error(`FID: the ${what} set has ${features.length} feature vector(s); at least 2 are needed for a covariance`);
  const d = features[0]!.length;
  features.forEach((f, i) => {
    if (f.length !== d) throw new Error(`FID: ${what} feature ${i} has ${f.length} values, the first has ${d}`);
  });
  return d;
}

function meanOf(features: readonly ArrayLike<number>[], d: number): Float64Array {
  const mean = new Float64Array(d);
  for (const f of features) for (let j = 0; j < d; j++) mean[j]! += f[j]!;
  for (let j = 0; j < d; j++) mean[j]! /= features.length;
  return mean;
}

/** Centred rows (x − μ)/√(N − 1) as an N × d matrix. */
function scaledCentred(features: readonly ArrayLike<number>[], mean: Float64Array): Matrix {
  const d = mean.length;
  const s = 1 / Math.sqrt(features.length - 1);
  return new Matrix(features.map((f) => Array.from({ length: d }, (_, j) => (f[j]! - mean[j]!) * s)));
}

/** Mean and sample covariance in float64. */
export function featureMoments(features: readonly ArrayLike<number>[]): GaussianMoments {
  const d = checkFeatures(features, 'feature');
  const mean = meanOf(features, d);
  const a = scaledCentred(features, mean);
  const cov = a.transpose().mmul(a);
  return { n: features.length, d, mean, cov: Float64Array.from(cov.to1DArray()) };
}

function sumSqrtEigen(m: Matrix): number {
  // Symmetrise: products of symmetric matrices are symmetric only up to round-off.
  const sym = m.add(m.transpose()).div(2);
  const e = new EigenvalueDecomposition(sym, { assumeSymmetric: true });
  return e.realEigenvalues.reduce((s, l) => s + Math.sqrt(Math.max(0, l)), 0);
}

function meanTerm(m1: Float64Array, m2: Float64Array): number {
  let s = 0;
  for (let j = 0; j < m1.length; j++) s += (m1[j]! - m2[j]!) ** 2;
  return s;
}

/** The Fréchet distance between two Gaussians given by their moments. */
export function frechetDistance(a: Pick<GaussianMoments, 'd' | 'mean' | 'cov'>, b: Pick<GaussianMoments, 'd' | 'mean' | 'cov'>): number {
  if (a.d !== b.d) throw new Error(`FID: feature sizes differ (${a.d} vs ${b.d})`);
  const d = a.d;
  const s1 = Matrix.from1DArray(d, d, a.cov);
  const s2 = Matrix.from1DArray(d, d, b.cov);
  const e1 = new EigenvalueDecomposition(s1.add(s1.transpose()).div(2), { assumeSymmetric: true });
  const v = e1.eigenvectorMatrix;
  const sqrtL = e1.realEigenvalues.map((l) => Math.sqrt(Math.max(0, l)));
  const bm = v.clone().mulRowVector(sqrtL); // V Λ^½: column i scaled by √λᵢ
  const traceSqrt = sumSqrtEigen(bm.transpose().mmul(s2.mmul(bm)));
  return meanTerm(a.mean, b.mean) + s1.trace() + s2.trace() - 2 * traceSqrt;
}

/**
 * The route with fewer multiply-adds, counting an eigen-decomposition of n × n as 3n³ (ml-matrix's
 * measured cost relative to its n³ matrix product): Gram — A₁A₂ᵀ, its N×N product, one eigenproblem;
 * moments — two covariances, two d³ products, two eigenproblems. Gram wins up to N ≈ 1.25·d.
 */
export function cheaperRoute(n1: number, n2: number, d: number): 'gram' | 'moments' {
  const lo = Math.min(n1, n2);
  const hi = Math.max(n1, n2);
  const gram = n1 * n2 * d + lo * lo * hi + 3 * lo ** 3;
  const moments = (n1 + n2) * d * d + 2 * d ** 3 + 6 * d ** 3;
  return gram <= moments ? 'gram' : 'moments';
}

export interface FidResult {
  fid: number;
  /** samples in each set */
  n: [number, number];
  d: number;
  route: 'moments' | 'gram';
  /** e.g. fewer samples than the feature size: the covariance is rank-deficient */
  warnings: string[];
}

/**
 * FID from the two sets' feature vectors (real first). Picks the cheaper route (cheaperRoute: the
 * same value either way). `warnBelow` (the
 * preset's, 2048 for Inception pool features): fewer samples than that gets a warning.
 */
export function fidFromFeatures(real: readonly ArrayLike<number>[], fake: readonly ArrayLike<number>[], opts: { warnBelow?: number; route?: 'moments' | 'gram' } = {}): FidResult {
  const d = checkFeatures(real, 'real');
  if (checkFeatures(fake, 'generated') !== d) throw new Error(`FID: real features have ${d} values, generated ${fake[0]!.length}`);
  const warnings: string[] = [];
  const warnBelow = opts.warnBelow ?? d;
  for (const [what, n] of [['real', real.length], ['generated', fake.length]] as const) {
    if (n < warnBelow) warnings.push(`FID over ${n} ${what} samples (< ${warnBelow}): the ${d}-d covariance is rank-deficient and FID is biased upward; compare only FIDs over the same N`);
  }
  const route = opts.route ?? cheaperRoute(real.length, fake.length, d);
  const m1 = meanOf(real, d);
  const m2 = meanOf(fake, d);
  let fid: number;
  if (route === 'moments') {
    fid = frechetDistance(featureMoments(real), featureMoments(fake));
  } else {
    const a1 = scaledCentred(real, m1);
    const a2 = scaledCentred(fake, m2);
    const c = a1.mmul(a2.transpose()); // N₁ × N₂
    const small = c.rows <= c.columns ? c.mmul(c.transpose()) : c.transpose().mmul(c);
    const fro = (m: Matrix) => m.to1DArray().reduce((s, x) => s + x * x, 0);
    fid = meanTerm(m1, m2) + fro(a1) + fro(a2) - 2 * sumSqrtEigen(small);
  }
  return { fid: Math.max(0, fid), n: [real.length, fake.length], d, route, warnings };
}
