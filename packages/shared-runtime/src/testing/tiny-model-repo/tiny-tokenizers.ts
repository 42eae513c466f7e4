/**
 * Tiny stand-ins for the real tokenizers, in the `tokenizer.json` format of Hugging Face
 * `tokenizers`: a BERT WordPiece tokenizer for jina-clip-v1 and an XLM-RoBERTa style Unigram
 * tokenizer for jina-clip-v2, with the real special tokens and templates but a few hundred
 * pieces. Every lowercase ASCII word is covered (by whole-word pieces or letter pieces), so test
 * texts never hit the unknown token unless they mean to.
 */

/** Words with a piece of their own, in id order after the special tokens and characters. */
const WORDS = [
  'the',
  'a',
  'an',
  'of',
  'and',
  'or',
  'in',
  'on',
  'at',
  'to',
  'for',
  'with',
  'by',
  'from',
  'is',
  'are',
  'was',
  'be',
  'it',
  'this',
  'that',
  'what',
  'which',
  'who',
  'how',
  'where',
  'photo',
  'picture',
  'image',
  'drawing',
  'cat',
  'cats',
  'dog',
  'dogs',
  'bird',
  'fish',
  'horse',
  'car',
  'bus',
  'train',
  'tree',
  'flower',
  'house',
  'city',
  'beach',
  'mountain',
  'river',
  'sea',
  'sky',
  'sun',
  'moon',
  'night',
  'day',
  'red',
  'green',
  'blue',
  'black',
  'white',
  'yellow',
  'small',
  'large',
  'big',
  'little',
  'old',
  'new',
  'young',
  'happy',
  'sleeping',
  'running',
  'sitting',
  'playing',
  'eating',
  'man',
  'woman',
  'child',
  'people',
  'person',
  'group',
  'table',
  'chair',
  'book',
  'books',
  'paper',
  'document',
  'documents',
  'text',
  'query',
  'search',
  'retrieval',
  'retrieving',
  'evidence',
  'represent',
  'embedding',
  'embeddings',
  'model',
  'vector',
  'space',
  'multimodal',
  'language',
  'languages',
  'english',
  'hello',
  'world',
  'good',
  'morning',
  'coffee',
  'tea',
  'water',
  'food',
  'apple',
  'banana',
  'orange',
  'pizza',
  'bread',
  'astronaut',
  'rocket',
  'space',
  'station',
  'computer',
  'phone',
  'music',
  'guitar',
  'piano',
  'street',
  'road',
  'bridge',
  'park',
  'garden',
  'snow',
  'rain',
  'winter',
  'summer',
  'spring',
  'autumn',
  'long',
  'short',
  'one',
  'two',
  'three',
  'four',
  'five',
  'many',
  'some',
  'all',
  'very',
  'not',
  'no',
  'yes',
  'near',
  'under',
  'over',
  'between',
  'inside',
  'outside',
];

/** Word-continuation pieces of the WordPiece vocabulary (after `##` + single characters). */
const SUFFIXES = ['s', 'es', 'ed', 'ing', 'er', 'est', 'ly', 'tion', 'ment', 'ness'];

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

function specialToken(id: number, content: string, lstrip = false) {
  return {
    id,
    content,
    single_word: false,
    lstrip,
    rstrip: false,
    normalized: false,
    special: true,
  };
}

/** The values in first-seen order, without repeats (ids must be dense). */
function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The jina-clip-v1 tokenizer: BERT uncased WordPiece, `[CLS] $A [SEP]`, `[PAD]` = 0. */
export function tinyWordPieceTokenizer(): { json: object; vocabulary: Map<string, number> } {
  const tokens = unique([
    '[PAD]',
    '[UNK]',
    '[CLS]',
    '[SEP]',
    '[MASK]',
    ...PUNCTUATION,
    ...DIGITS,
    ...LETTERS,
    ...[...LETTERS, ...DIGITS].map((character) => `##${character}`),
    ...SUFFIXES.filter((suffix) => suffix.length > 1).map((suffix) => `##${suffix}`),
    ...WORDS,
  ]);
  const vocabulary = new Map(tokens.map((token, id) => [token, id]));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((token, id) =>
      specialToken(id, token),
    ),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary),
    },
  };
  return { json, vocabulary };
}

/**
 * The jina-clip-v2 tokenizer: XLM-RoBERTa style SentencePiece Unigram with the Metaspace
 * pre-tokenizer, `<s> $A </s>`, `<s>` = 0, `<pad>` = 1, `</s>` = 2, `<unk>` = 3, `<mask>` last.
 * Whole words (lowercase and capitalised) beat letter-by-letter pieces on score.
 */
export function tinyUnigramTokenizer(): { json: object; vocabulary: Map<string, number> } {
  const words = unique(WORDS);
  const capitalised = words.map((word) => word[0]!.toUpperCase() + word.slice(1));
  const pieces: [string, number][] = [
    ['<s>', 0],
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    ['\u2581', -6],
    ...[...PUNCTUATION, ...DIGITS, ...LETTERS, ...LETTERS.toUpperCase()].map(
      (character): [string, number] => [character, -10],
    ),
    ...[...LETTERS, ...DIGITS].map((character): [string, number] => [`\u2581${character}`, -9]),
    ...[...words, ...capitalised].map((word): [string, number] => [`\u2581${word}`, -4]),
    ...words.map((word): [string, number] => [word, -5]),
  ];
  const seen = new Set<string>();
  const vocab = pieces.filter(([piece]) => !seen.has(piece) && Boolean(seen.add(piece)));
  vocab.push(['<mask>', 0]);
  const maskId = vocab.length - 1;
  const vocabulary = new Map(vocab.map(([piece], id) => [piece, id]));
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      specialToken(0, '<s>'),
      specialToken(1, '<pad>'),
      specialToken(2, '</s>'),
      specialToken(3, '<unk>'),
      specialToken(maskId, '<mask>', true),
    ],
    normalizer: { type: 'NFKC' },
    pre_tokenizer: {
      type: 'Metaspace',
      replacement: '\u2581',
      prepend_scheme: 'always',
      split: true,
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: {
        '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] },
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] },
      },
    },
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
  return { json, vocabulary };
}
