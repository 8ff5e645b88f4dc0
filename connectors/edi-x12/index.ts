/** The X12 EDI file-source base: a strict envelope parser, a record fold with control-number versions, a folder connector. */
export { parseX12, transactionKey, type X12Problem, type X12ProblemCode, type X12Transaction, type Segment } from './parser.ts';
export { RecordFold, compareVersion, type Contribution, type Version } from './fold.ts';
export { EdiFolderConnector, x12Parser, type EdiFolderDefinition, type X12Rejection, type FileParser, type FileUnit, type FileProblem } from './folder-connector.ts';
export { el, required, first, loops, x12DateTime, x12Number, ElementError } from './segments.ts';
