/** The query part: DuckDB over the worker's Parquet output (docs/query.md). */
export { type DeadLetter, readDeadLetters } from './dead-letters.js';
export { formatResult, type QueryResult, type ResultFormat } from './format.js';
export { type OutputFiles, openOutputFiles } from './output-files.js';
export { findQuestion, QUESTIONS, type Question, type QuestionParams } from './questions.js';
export { type QueryRequest, runQuery } from './session.js';
