export { BUILTIN_CONFIGS, loadConfig, trainConfigSchema, type TrainConfig } from './config.js';
export { ARCHIVE_FILE, CANONICAL_URL, KNOWN_ARCHIVE_DIGESTS, locateArchive, sharedArchiveCandidates } from './data/archive.js';
export { loadNewsgroups, type Newsgroups, type Split } from './data/newsgroups.js';
export { ConfigError, DatasetError, ParityError, TrainerError } from './errors.js';
export { evaluate } from './eval/metrics.js';
export { renderReport } from './eval/report.js';
export type { Csr } from './features/sparse.js';
export { TfidfVectorizer, type TfidfOptions } from './features/tfidf.js';
export { ENGLISH_STOP_WORDS } from './features/stopWords.js';
export { TOKEN_PATTERN, analyze, lowercaseAsGraph, tokenize } from './features/tokenize.js';
export { graphCharacters, type GraphCharacters } from './features/graphCharacters.js';
export { lbfgs, type LbfgsOptions, type LbfgsResult } from './model/lbfgs.js';
export {
  argmaxRows,
  decisionFunction,
  fitLogisticRegression,
  logisticObjective,
  softmaxRows,
  type LogisticRegressionModel,
  type LogisticRegressionOptions,
} from './model/logisticRegression.js';
export { FRONT_END, FRONT_END_BIGRAMS, GRAPH_IO, POST_SUMS, exportOnnx, frontEndManifest, tokenizerGraph, type LinearTextModel } from './onnx/exportOnnx.js';
export { checkParity, type ParityReport } from './onnx/parityGate.js';
export { silentProgress, type Progress } from './progress.js';
export { MODEL_NAME, carveValidation, train, type TrainOptions, type TrainResult } from './train.js';
