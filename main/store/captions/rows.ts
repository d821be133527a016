// The captions table's rows (migration 2, with the version of their prompt template) mapped to the
// Api's CaptionDetail.
import type { CaptionDetail, CaptionKind, CaptionReviewStatus, CaptionSource } from '../../../shared/api/captions.js';

export interface CaptionRow {
  id: number;
  sample_id: number;
  kind: CaptionKind;
  version: number;
  parent_id: number | null;
  text: string;
  source: CaptionSource;
  status: CaptionReviewStatus;
  template_id: number | null;
  template_version: number | null;
  prompt_sha256: string | null;
  image_sha256: string | null;
  model: string | null;
  endpoint_model: string | null;
  sampling: string | null;
  duration_ms: number | null;
  author: string | null;
  created_at: string;
}

export function toCaptionDetail(r: CaptionRow): CaptionDetail {
  let sampling: Record<string, unknown> | null = null;
  if (r.sampling) {
    try {
      sampling = JSON.parse(r.sampling) as Record<string, unknown>;
    } catch {
      sampling = { unreadable: r.sampling };
    }
  }
  return {
    id: r.id,
    sampleId: r.sample_id,
    kind: r.kind,
    version: r.version,
    parentId: r.parent_id,
    text: r.text,
    source: r.source,
    status: r.status,
    templateId: r.template_id,
    templateVersion: r.template_version,
    promptSha256: r.prompt_sha256,
    imageSha256: r.image_sha256,
    model: r.model,
    endpointModel: r.endpoint_model,
    sampling,
    durationMs: r.duration_ms,
    author: r.author,
    createdAt: r.created_at,
  };
}

