export interface SeededDataset {
  datasetId: number;
  count: number;
  /** A word only one sample's instruction contains, and that sample's external id. */
  uniqueWord: string;
  uniqueExternalId: string;
  /** The same for the first turn of a three-turn session. */
  sessionWord: string;
  sessionExternalId: string;
}
export function seedSyntheticDataset(dataDir: string, options?: { count?: number; name?: string }): Promise<SeededDataset>;
