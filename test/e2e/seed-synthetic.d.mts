export interface SeededDataset {
  datasetId: number;
  count: number;
  /** A word only one sample's instruction contains, and that sample's external id. */
  uniqueWord: string;
  uniqueExternalId: string;
}
export function seedSyntheticDataset(dataDir: string, options?: { count?: number; name?: string }): Promise<SeededDataset>;
