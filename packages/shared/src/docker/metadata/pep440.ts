// PEP 440 versions for type=pep440, as metadata-action reads them with @renovate/pep440.

// The version pattern of PEP 440's appendix (as in Python's `packaging`), with
// the leading `v` it allows. Hand-written: no maintained PEP 440 parser is a
// dependency, and tags need only validity, normal form and release numbers.
const PEP440_PATTERN = new RegExp(
  [
    '^\\s*v?',
    '(?:(\\d+)!)?', // epoch
    '(\\d+(?:\\.\\d+)*)', // release
    '(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\\d+)?)?', // pre-release
    '(?:-(\\d+)|[-_.]?(post|rev|r)[-_.]?(\\d+)?)?', // post-release
    '(?:[-_.]?(dev)[-_.]?(\\d+)?)?', // development release
    '(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?', // local version
    '\\s*$',
  ].join(''),
  'i',
);
const PEP440_PRE: Record<string, string> = {
  alpha: 'a',
  a: 'a',
  beta: 'b',
  b: 'b',
  preview: 'rc',
  pre: 'rc',
  c: 'rc',
  rc: 'rc',
};

export interface Pep440Version {
  /** The normal form, e.g. `1.2.3rc2`, `1.2.3.post1`, `1.0.dev4`. */
  normal: string;
  release: number[];
  preOrPostOrDev: boolean;
}

export function parsePep440(text: string): Pep440Version | undefined {
  const m = PEP440_PATTERN.exec(text);
  if (!m) return undefined;
  const [, epoch, release = '', preLabel, preNumber, postImplicit, postLabel, postNumber, devLabel, devNumber, local] =
    m;
  const number = (digits: string | undefined) => (digits ?? '0').replace(/^0+(?=\d)/, '');
  let normal = epoch && Number(epoch) !== 0 ? `${number(epoch)}!` : '';
  const parts = release.split('.').map(number);
  normal += parts.join('.');
  if (preLabel) normal += `${PEP440_PRE[preLabel.toLowerCase()]}${number(preNumber)}`;
  if (postImplicit !== undefined) normal += `.post${number(postImplicit)}`;
  else if (postLabel) normal += `.post${number(postNumber)}`;
  if (devLabel) normal += `.dev${number(devNumber)}`;
  if (local) normal += `+${local.toLowerCase().replace(/[-_]/g, '.')}`;
  return {
    normal,
    release: parts.map(Number),
    preOrPostOrDev: Boolean(preLabel || postImplicit !== undefined || postLabel || devLabel),
  };
}
