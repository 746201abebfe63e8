export {
  prepareDataset,
  DEFAULT_MIN_SIDE,
  DEFAULT_SEED,
  type PrepareDatasetOptions,
} from './prepare-dataset';
export {
  loadPreparedDataset,
  entriesOfSplit,
  DATASET_CARD_FILE,
  DATASET_JSON_FILE,
  MANIFEST_FILE,
  type DatasetEntry,
  type LoadPreparedDatasetOptions,
  type PreparedDataset,
} from './prepared-dataset';
export {
  MANIFEST_COLUMNS,
  SPLITS,
  formatManifestCsv,
  parseManifestCsv,
  type DropReason,
  type ManifestRow,
  type ManifestSplit,
  type Split,
} from './manifest';
export type { DatasetCard, NearDuplicateStats, DatasetSource } from './dataset-card';
export { DEFAULT_SPLIT_RATIOS, parseSplitRatios, type SplitRatios } from './split';
export { DEFAULT_NEAR_DUPLICATE_DISTANCE } from './near-duplicates';
export {
  downloadDataset,
  findClassFolders,
  DatasetDownloadError,
  type DownloadDatasetOptions,
  type DownloadedDataset,
} from './download-dataset';
