import { expect, test } from 'vitest';
import { enabledImages, parseImages } from './image.ts';

const shown = (text: string) =>
  parseImages(text).map((image) => ({ spelling: image.spelling, name: image.name.name, enable: image.enable }));

test('images: one a line, with name= and enable= as metadata-action parses them', () => {
  expect(shown('user/app\nghcr.io/user/app,enable=false\nname=registry.example:5000/app,enable=true')).toEqual([
    { spelling: 'user/app', name: 'docker.io/user/app', enable: true },
    { spelling: 'ghcr.io/user/app', name: 'ghcr.io/user/app', enable: false },
    { spelling: 'registry.example:5000/app', name: 'registry.example:5000/app', enable: true },
  ]);
  expect(enabledImages(parseImages('user/app\nghcr.io/user/app,enable=false')).map((i) => i.spelling)).toEqual([
    'user/app',
  ]);
  // metadata-action's first format: one line of names separated by commas.
  expect(shown('user/app,ghcr.io/user/app').map((i) => i.spelling)).toEqual(['user/app', 'ghcr.io/user/app']);
  expect(shown('# a comment\n"name=ghcr.io/user/app",enable=true')).toEqual([
    { spelling: 'ghcr.io/user/app', name: 'ghcr.io/user/app', enable: true },
  ]);
});

test('upper-case image names are lowercased as metadata-action does, the spelling kept otherwise', () => {
  // ghcr.io/${{ github.repository }} with an owner who writes capitals.
  expect(shown('ghcr.io/Codertocat/Hello-World\nCodertocat/App')).toEqual([
    { spelling: 'ghcr.io/codertocat/hello-world', name: 'ghcr.io/codertocat/hello-world', enable: true },
    { spelling: 'codertocat/app', name: 'docker.io/codertocat/app', enable: true },
  ]);
  expect(shown('App')).toEqual([{ spelling: 'app', name: 'docker.io/library/app', enable: true }]);
});

test('a bad images line is one invalid-input error naming its line', () => {
  const cases: [string, string | RegExp][] = [
    ['', "Input 'images' is empty; give one image name per line, e.g. ghcr.io/org/app"],
    [
      'ghcr.io/user/app,enable=no',
      "Input 'images' has enable=no in line 1: ghcr.io/user/app,enable=no; use enable=true or enable=false.",
    ],
    [
      'user/app\nname=ghcr.io/x,push=true',
      "Input 'images' has an unknown attribute 'push' in line 2: name=ghcr.io/x,push=true; use name and enable; write ghcr.io/org/app, or name=ghcr.io/org/app,enable=false.",
    ],
    [
      'enable=false',
      "Input 'images' has no image name in line 1: enable=false; write ghcr.io/org/app, or name=ghcr.io/org/app,enable=false.",
    ],
    [
      'ghcr.io/user/app:v1',
      /^Input 'images' has 'ghcr.io\/user\/app:v1', which is not a valid image name: it has a tag/,
    ],
  ];
  for (const [text, message] of cases) {
    expect(() => parseImages(text), text).toThrow(
      expect.objectContaining({
        reason: 'invalid-input',
        message: typeof message === 'string' ? message : expect.stringMatching(message),
      }),
    );
  }
});
