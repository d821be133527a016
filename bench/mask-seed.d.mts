export function testCard(width: number, height: number, target?: boolean): Promise<Buffer>;
export function seedMaskSamples(
  dataDir: string,
  samples: { externalId: string; width: number; height: number; flagged?: boolean; masks?: [number, number, number, number][] }[],
  datasetName?: string,
): Promise<{ datasetId: number; sampleIds: number[] }>;
