/**
 * The parts of the `jstat` package (jstat/jstat 1.9, plain JavaScript) that the experiment
 * statistics use, through distributions.ts only. The package ships no types; matrices, random
 * numbers and the rest of jStat are deliberately left undeclared.
 */
declare module 'jstat' {
  interface JStat {
    /** Normal distribution with parameters (mean, standard deviation). */
    normal: {
      cdf(x: number, mean: number, sd: number): number;
      inv(p: number, mean: number, sd: number): number;
    };
    /** Student's t distribution; `dof` may be fractional (Welch–Satterthwaite). */
    studentt: {
      cdf(x: number, dof: number): number;
      inv(p: number, dof: number): number;
    };
    /** Chi-squared distribution with `dof` degrees of freedom. */
    chisquare: {
      cdf(x: number, dof: number): number;
    };
    /** Natural logarithm of the beta function B(a, b). */
    betaln(a: number, b: number): number;
  }

  const jStat: JStat;
  // CommonJS (module.exports = jStat), imported as `import jStat from 'jstat'`.
  export = jStat;
}
