import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { markdownTable, tableCell } from './summary.ts';

describe('tableCell', () => {
  it('escapes pipes so they do not split the cell', () => {
    assert.equal(tableCell('a|b|c'), 'a\\|b\\|c');
  });

  it('escapes backslashes so an escaped pipe in the text cannot split the cell', () => {
    assert.equal(tableCell('a\\|b'), 'a\\\\\\|b');
    assert.equal(tableCell('/version \\d+/'), '/version \\\\d+/');
  });

  it('turns LF and CRLF line breaks into <br>', () => {
    assert.equal(tableCell('line 1\nline 2\r\nline 3'), 'line 1<br>line 2<br>line 3');
  });

  it('escapes HTML, ampersands first so entities are not doubled wrongly', () => {
    assert.equal(tableCell('<script>alert(1)</script> & more'), '&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    assert.equal(tableCell('&lt;'), '&amp;lt;');
  });

  it('leaves plain text alone', () => {
    assert.equal(tableCell('aws_instance.web will be created'), 'aws_instance.web will be created');
    assert.equal(tableCell(''), '');
  });

  it('escapes everything in one value', () => {
    assert.equal(tableCell('a|<b>\nc & d'), 'a\\|&lt;b&gt;<br>c &amp; d');
  });
});

describe('markdownTable', () => {
  it('renders a header, a separator and a row per item', () => {
    assert.equal(
      markdownTable(
        ['Name', 'Value'],
        [
          ['region', 'eu-west-1'],
          ['zones', 'a|b'],
        ],
      ),
      ['| Name | Value |', '| --- | --- |', '| region | eu-west-1 |', '| zones | a\\|b |'].join('\n'),
    );
  });

  it('renders only the header and separator when there are no rows', () => {
    assert.equal(markdownTable(['', 'URL', 'Status'], []), '|  | URL | Status |\n| --- | --- | --- |');
  });

  it('escapes header cells and keeps a multi-line cell on one row', () => {
    const table = markdownTable(['A|B'], [['one\ntwo']]);
    assert.equal(table, '| A\\|B |\n| --- |\n| one<br>two |');
    assert.equal(table.split('\n').length, 3);
  });
});
