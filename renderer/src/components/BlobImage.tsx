// A stored image (by content hash) that says in words when it cannot be shown: the file is missing
// from the data folder, or cannot be read (issue 10) — instead of the browser's broken-image icon.
// The server's answer (web mode's /blob, the desktop's ric://blob) carries the word; on a load
// error we ask it once and show a placeholder of the image's size with that word.
import { useState, type CSSProperties } from 'react';
import { useBlobUrl } from '../api/ApiProvider';
import './blob-image.css';

export interface BlobImageProps {
  sha256: string;
  alt: string;
  className?: string;
  style?: CSSProperties;
  width?: number;
  height?: number;
  decoding?: 'async' | 'sync' | 'auto';
  draggable?: boolean;
  /** On the image; the placeholder is `broken-image`. */
  'data-testid'?: string;
}

interface Problem {
  sha256: string;
  /** Shown in the placeholder: what the person needs to know. */
  word: string;
  /** The server's own sentence (which image), as a tooltip. */
  detail: string;
}

/** Why an image did not load, from the server's answer to the same URL. */
export async function blobProblem(url: string): Promise<Pick<Problem, 'word' | 'detail'>> {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    if (res.ok) return { word: 'image cannot be shown', detail: 'the stored file is not an image this browser can decode' };
    const detail = (await res.text()).trim().slice(0, 300);
    return { word: res.status === 404 ? 'image missing from the data folder' : 'image cannot be read', detail };
  } catch {
    return { word: 'image cannot be read', detail: 'the server did not answer' };
  }
}

export function BlobImage({ sha256, alt, className, style, ...rest }: BlobImageProps) {
  const blobUrl = useBlobUrl();
  const url = blobUrl(sha256);
  const [problem, setProblem] = useState<Problem | null>(null);
  if (problem?.sha256 === sha256) {
    return (
      <span
        className={`broken-image${className ? ` ${className}` : ''}`}
        role="img"
        aria-label={alt ? `${alt}: ${problem.word}` : problem.word}
        title={problem.detail}
        data-testid="broken-image"
        style={{ ...style, ...(rest.width ? { width: rest.width } : {}), ...(rest.height ? { height: rest.height } : {}) }}
      >
        <span>{problem.word}</span>
      </span>
    );
  }
  return (
    <img
      src={url}
      alt={alt}
      className={className}
      style={style}
      {...rest}
      onError={() => {
        setProblem({ sha256, word: 'image not available', detail: '' });
        void blobProblem(url).then((p) => setProblem((current) => (current?.sha256 === sha256 ? { sha256, ...p } : current)));
      }}
    />
  );
}
