import type Database from 'better-sqlite3';
import { m001Init } from './001-init.js';
import { m002ExperimentStore } from './002-experiment-store.js';
import { m003SampleBrowseIndexes } from './003-sample-browse-indexes.js';
import { m004MetricRollups } from './004-metric-rollups.js';
import { m005DatasetLifecycle } from './005-dataset-lifecycle.js';
import { m006ResultSets } from './006-result-sets.js';
import { m007Evaluations } from './007-evaluations.js';
import { m009RunBundlesCluster } from './009-run-bundles-cluster.js';
import { m010DemoChains } from './010-demo-chains.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** Numbered, append-only. Never edit a migration that has shipped; add the next one. */
export const migrations: Migration[] = [m001Init, m002ExperimentStore, m003SampleBrowseIndexes, m004MetricRollups, m005DatasetLifecycle, m006ResultSets, m007Evaluations, m009RunBundlesCluster, m010DemoChains];
