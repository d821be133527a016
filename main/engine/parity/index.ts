export { findCases, runCase, runParity, compareTensor, formatParityTable, type CaseResult, type TensorComparison, type ParityOptions } from './runner.js';
export { registerParityRunner, parityRunner, knownParityFamilies, inputTensor, type ParityRunner, type RunnerEntry, type CaseInputs } from './runners.js';
