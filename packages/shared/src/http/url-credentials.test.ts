import { describe, expect, it } from 'vitest';
import { urlCredentials, withoutCredentials } from './url-credentials.ts';

describe('urlCredentials', () => {
  it('gives the password as written, decoded, and as Basic authentication encodes it with the user', () => {
    expect(urlCredentials('https://deploy:p%40ss%3Aword@app.example/health')).toEqual([
      'p%40ss%3Aword',
      'p@ss:word',
      'deploy:p@ss:word',
    ]);
  });

  it('treats the user name as the credential when there is no password', () => {
    expect(urlCredentials('https://0123456789abcdef@app.example/')).toEqual(['0123456789abcdef']);
    expect(urlCredentials('https://t%2Bk@app.example/')).toEqual(['t%2Bk', 't+k']);
  });

  it('masks a user name that looks like a token, and keeps a plain one', () => {
    expect(urlCredentials('https://ghp_A1b2C3d4@app.example/')).toContain('ghp_A1b2C3d4');
    expect(urlCredentials('https://0f3a9c1e7b2d4f6a8c0e:x-oauth-basic@github.example/')).toContain(
      '0f3a9c1e7b2d4f6a8c0e',
    );
    expect(urlCredentials('https://x-access-token:ghs_secret1@github.example/')).not.toContain('x-access-token');
    expect(urlCredentials('https://probe:pw-123456@app.example/')).not.toContain('probe');
  });

  it('reads the credentials of a text that is not a valid URL', () => {
    expect(urlCredentials('htps:/user:hunter2-secret@app.example')).toContain('hunter2-secret');
    expect(urlCredentials('ftp://user:hunter2-secret@app.example/')).toContain('hunter2-secret');
    expect(urlCredentials('user:hunter2-secret@app.example/x')).toContain('hunter2-secret');
  });

  it('uses the last @ before the path, as the URL parser does', () => {
    expect(urlCredentials('https://u:p@ss@app.example/a@b')).toContain('p@ss');
  });

  it('finds nothing in a URL without credentials', () => {
    expect(urlCredentials('https://app.example/a@b?c=d@e')).toEqual([]);
    expect(urlCredentials('not a url')).toEqual([]);
  });
});

describe('withoutCredentials', () => {
  it('replaces the password and a token user name, keeping the rest as written', () => {
    expect(withoutCredentials('https://probe:pw@app.example:8443/health?x=1')).toBe(
      'https://probe:***@app.example:8443/health?x=1',
    );
    expect(withoutCredentials('https://TOKEN@app.example')).toBe('https://***@app.example');
    expect(withoutCredentials('https://ghp_A1b2C3d4:x@app.example')).toBe('https://***:***@app.example');
    expect(withoutCredentials('htps:/user:hunter2@app.example')).toBe('htps:/user:***@app.example');
  });

  it('leaves a URL without credentials alone', () => {
    expect(withoutCredentials('https://app.example/a@b')).toBe('https://app.example/a@b');
  });
});
