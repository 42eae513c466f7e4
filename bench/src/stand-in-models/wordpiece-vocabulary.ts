import { WORD_LIST } from '../workloads/word-list.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const SYLLABLES = [
  'ba',
  'ce',
  'di',
  'fo',
  'gu',
  'ha',
  'je',
  'ki',
  'lo',
  'mu',
  'na',
  'pe',
  'qui',
  'ro',
  'su',
  'ta',
  've',
  'wi',
  'xo',
  'yu',
  'za',
  'bra',
  'cle',
  'dri',
  'fro',
  'glu',
  'pra',
  'ste',
  'tri',
  'sko',
  'plu',
  'ion',
  'ent',
  'ar',
  'or',
  'el',
  'an',
  'is',
  'um',
  'ex',
];

/**
 * A BERT-uncased-style WordPiece vocabulary of exactly `size` tokens, laid out like
 * bert-base-uncased: `[PAD]` 0, `[unused*]` 1..99, `[UNK]` 100, `[CLS]` 101, `[SEP]` 102,
 * `[MASK]` 103, then punctuation, digits, letters, the corpus words, their `##` continuations,
 * `##` letters and digits, and deterministic syllable words up to `size` (the real vocabulary's
 * long tail, which no corpus text uses but every embedding table row costs memory).
 */
export function wordPieceVocabulary(size: number): string[] {
  const tokens = ['[PAD]'];
  for (let index = 0; tokens.length < 100; index++) tokens.push(`[unused${index}]`);
  tokens.push('[UNK]', '[CLS]', '[SEP]', '[MASK]');
  const seen = new Set(tokens);
  const add = (token: string) => {
    if (tokens.length >= size || seen.has(token)) return;
    seen.add(token);
    tokens.push(token);
  };
  for (const token of [...PUNCTUATION, ...DIGITS, ...LETTERS]) add(token);
  for (const word of WORD_LIST) add(word);
  for (const word of WORD_LIST) add(`##${word}`);
  for (const character of [...LETTERS, ...DIGITS]) add(`##${character}`);
  for (let index = 0; tokens.length < size; index++) {
    let word = '';
    let rest = index;
    do {
      word += SYLLABLES[rest % SYLLABLES.length];
      rest = Math.floor(rest / SYLLABLES.length);
    } while (rest > 0);
    add(index % 3 === 2 ? `##${word}` : word);
  }
  return tokens;
}

/** `tokenizer.json` of a BERT uncased WordPiece tokenizer over `vocabulary`. */
export function wordPieceTokenizerJson(vocabulary: readonly string[]): object {
  const id = (token: string) => vocabulary.indexOf(token);
  const special = (token: string) => ({
    id: id(token),
    content: token,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
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
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, index) => [token, index])),
    },
  };
}

/** `tokenizer_config.json` of the same tokenizer, truncating at `maxTokens`. */
export function wordPieceTokenizerConfig(maxTokens: number): object {
  return {
    tokenizer_class: 'BertTokenizer',
    model_max_length: maxTokens,
    do_lower_case: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    clean_up_tokenization_spaces: true,
  };
}
