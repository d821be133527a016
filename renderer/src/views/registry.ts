// The views of DESIGN.md §2, in navigation order. Alt+1..7 jumps to each.
export interface ViewEntry {
  path: string;
  label: string;
  /** One line for the command palette and the view's header. */
  summary: string;
}

export const views: ViewEntry[] = [
  { path: '/datasets', label: 'Datasets', summary: 'Import and browse editing datasets' },
  { path: '/captions', label: 'Captions', summary: 'Generate and review scene and region descriptions' },
  { path: '/masks', label: 'Masks', summary: 'Fix edit-region masks' },
  { path: '/training', label: 'Training', summary: 'Runs, live monitors and checkpoints' },
  { path: '/edit', label: 'Edit', summary: 'Edit images with InstructPix2Pix / MagicBrush; result sets' },
  { path: '/compare', label: 'Compare', summary: 'Baselines and ablations side by side' },
  { path: '/settings', label: 'Settings', summary: 'Data folder, models, VLM endpoint, backend' },
];
