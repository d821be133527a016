// Scene and region descriptions (issue 5): the public surface of main/captions.
export { captionSample, imageForCaption, SampleProblem } from './images.js';
export { createCaptionJob, runCaptionJob, type CaptionJobOptions, type CaptionJobParams } from './job.js';
export { CAPTION_JOB_KIND, jobArgs, markStaleJobsInterrupted, type JobProgress } from './progress.js';
export { TEMPLATE_CAPTIONER_MODEL, templateCaption } from './scene-graph.js';
export { fillTemplate, PromptTemplates, sha256Hex, unknownPlaceholders } from './templates.js';
export { tokenBudget } from './tokens.js';
export { trainingTexts, type TrainingText, type TrainingTextFallback, type TrainingTexts } from './training-texts.js';
export { VlmAborted, VlmClient, VlmError, type DescribeResult, type VlmClientOptions } from './vlm-client.js';
