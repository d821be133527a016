export { MaskError, MaskService, defaultAuthor, safeFileName } from './service.js';
export { decodeMaskFile, decodeMaskPng, encodeMaskPng, previewPng } from './mask-png.js';

