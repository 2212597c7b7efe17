/**
 * The model table written out as literal data, independent of the implementation: every canonical
 * video model name -> the size it renders without any other hint (portrait unless the name says
 * landscape), its duration, quality and pro flag. specs/rules.md shows the same table.
 */
export type TableRow = readonly [name: string, defaultSize: string, seconds: number, quality: 'sd' | 'hd', pro: boolean];

export const VIDEO_MODEL_TABLE: readonly TableRow[] = [
  ['sora_video', '720x1280', 5, 'sd', false],
  ['sora_video2', '720x1280', 10, 'sd', false],
  ['sora_video2-pro', '720x1280', 10, 'sd', true],
  ['sora_video2-15s', '720x1280', 15, 'sd', false],
  ['sora_video2-15s-pro', '720x1280', 15, 'sd', true],
  ['sora_video2-25s', '720x1280', 25, 'sd', false],
  ['sora_video2-25s-pro', '720x1280', 25, 'sd', true],
  ['sora_video2-hd', '1024x1792', 10, 'hd', false],
  ['sora_video2-hd-pro', '1024x1792', 10, 'hd', true],
  ['sora_video2-hd-15s', '1024x1792', 15, 'hd', false],
  ['sora_video2-hd-15s-pro', '1024x1792', 15, 'hd', true],
  ['sora_video2-hd-25s', '1024x1792', 25, 'hd', false],
  ['sora_video2-hd-25s-pro', '1024x1792', 25, 'hd', true],
  ['sora_video2-portrait', '720x1280', 10, 'sd', false],
  ['sora_video2-portrait-pro', '720x1280', 10, 'sd', true],
  ['sora_video2-portrait-15s', '720x1280', 15, 'sd', false],
  ['sora_video2-portrait-15s-pro', '720x1280', 15, 'sd', true],
  ['sora_video2-portrait-25s', '720x1280', 25, 'sd', false],
  ['sora_video2-portrait-25s-pro', '720x1280', 25, 'sd', true],
  ['sora_video2-portrait-hd', '1024x1792', 10, 'hd', false],
  ['sora_video2-portrait-hd-pro', '1024x1792', 10, 'hd', true],
  ['sora_video2-portrait-hd-15s', '1024x1792', 15, 'hd', false],
  ['sora_video2-portrait-hd-15s-pro', '1024x1792', 15, 'hd', true],
  ['sora_video2-portrait-hd-25s', '1024x1792', 25, 'hd', false],
  ['sora_video2-portrait-hd-25s-pro', '1024x1792', 25, 'hd', true],
  ['sora_video2-landscape', '1280x720', 10, 'sd', false],
  ['sora_video2-landscape-pro', '1280x720', 10, 'sd', true],
  ['sora_video2-landscape-15s', '1280x720', 15, 'sd', false],
  ['sora_video2-landscape-15s-pro', '1280x720', 15, 'sd', true],
  ['sora_video2-landscape-25s', '1280x720', 25, 'sd', false],
  ['sora_video2-landscape-25s-pro', '1280x720', 25, 'sd', true],
  ['sora_video2-landscape-hd', '1792x1024', 10, 'hd', false],
  ['sora_video2-landscape-hd-pro', '1792x1024', 10, 'hd', true],
  ['sora_video2-landscape-hd-15s', '1792x1024', 15, 'hd', false],
  ['sora_video2-landscape-hd-15s-pro', '1792x1024', 15, 'hd', true],
  ['sora_video2-landscape-hd-25s', '1792x1024', 25, 'hd', false],
  ['sora_video2-landscape-hd-25s-pro', '1792x1024', 25, 'hd', true],
];

/** Rendered size by quality and orientation (seed: SD 720x1280 / 1280x720, hd 1024x1792 / 1792x1024). */
export const SIZE_BY_QUALITY = {
  sd: { portrait: '720x1280', landscape: '1280x720' },
  hd: { portrait: '1024x1792', landscape: '1792x1024' },
} as const;
