import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { isTransientPushError } from './push-errors.ts';

// The texts are what docker push (CLI 28 against engine 20.10) and buildx print.
describe('isTransientPushError', () => {
  const transient = [
    'received unexpected HTTP status: 503 Service Unavailable',
    'received unexpected HTTP status: 502 Bad Gateway',
    'toomanyrequests: You have reached your pull rate limit.',
    'toomanyrequests: injected http-429',
    'Put "http://127.0.0.1:45601/v2/app/manifests/1": EOF',
    'Patch "https://registry.example/v2/app/blobs/uploads/x": read tcp 10.0.0.1:5000: read: connection reset by peer',
    'Get "https://registry.example/v2/": net/http: TLS handshake timeout',
    'dial tcp 10.0.0.1:443: i/o timeout',
    'failed to push ghcr.io/org/app:1: unexpected status from PUT request to https://ghcr.io/v2/org/app/manifests/1: 500 Internal Server Error',
  ];
  const permanent = [
    'unauthorized: injected http-401',
    'unauthorized: authentication required',
    'denied: requested access to the resource is denied',
    'no basic auth credentials',
    'manifest invalid: manifest invalid',
    "name unknown: The repository with name 'app' does not exist in the registry with id '123456789012'",
    "tag invalid: The image tag '1' already exists in the 'app' repository and cannot be overwritten because the repository is immutable.",
    'failed to push: unexpected status from PUT request: 403 Forbidden',
    'An image does not exist locally with the tag: 127.0.0.1:5000/app',
  ];
  for (const text of transient) it(`retries: ${text}`, () => assert.equal(isTransientPushError(text), true));
  for (const text of permanent) it(`does not retry: ${text}`, () => assert.equal(isTransientPushError(text), false));
});
