import { describe, expect, it } from 'vitest';
import { ENGLISH_STOP_WORDS, analyze, tokenize } from '../src/index.js';

describe('tokenize (scikit-learn token_pattern (?u)\\b\\w\\w+\\b)', () => {
  it.each([
    ['Hello, World!', ['hello', 'world']],
    ['a I x', []],
    ["don't can't", ['don', 'can']],
    ['snake_case __init__ _x', ['snake_case', '__init__', '_x']],
    ['x86 2nd 3.14 1,000', ['x86', '2nd', '14', '000']],
    ['Éclair À la crème brûlée', ['éclair', 'la', 'crème', 'brûlée']],
    ['naïve façade ÆØÅ ß', ['naïve', 'façade', 'æøå']],
    ['!!!---...???', []],
    ['e-mail: foo@bar.com', ['mail', 'foo', 'bar', 'com']],
    ['µs ²³ ½x', ['µs', '²³', '½x']],
    ['tab\there\nnewline', ['tab', 'here', 'newline']],
  ])('%j -> %j', (text, tokens) => {
    expect(tokenize(text)).toEqual(tokens);
  });

  it('keeps case when lowercase is off', () => {
    expect(tokenize('Hello World', false)).toEqual(['Hello', 'World']);
  });
});

describe('analyze', () => {
  it('drops English stop words after tokenizing', () => {
    expect(analyze('The cat and the hat', { lowercase: true, stopWords: 'english', ngramRange: [1, 1] })).toEqual(['cat', 'hat']);
  });

  it('builds unigrams then bigrams in scikit-learn order', () => {
    expect(analyze('a quick brown fox', { lowercase: true, stopWords: null, ngramRange: [1, 2] })).toEqual([
      'quick',
      'brown',
      'fox',
      'quick brown',
      'brown fox',
    ]);
  });

  it('uses the 318-word scikit-learn list', () => {
    expect(ENGLISH_STOP_WORDS.size).toBe(318);
    expect(ENGLISH_STOP_WORDS.has('the')).toBe(true);
    expect(ENGLISH_STOP_WORDS.has('god')).toBe(false);
  });
});
