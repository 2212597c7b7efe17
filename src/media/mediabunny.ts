/**
 * mediabunny (the MP4 muxer and the demuxers of inspect.ts), loaded with the first video muxed or
 * inspected rather than with the media barrel: a server whose worker threads make the videos, or that
 * only ever inspects uploaded images, never pays the ~70 ms of loading it on its request loop.
 */
export type Mediabunny = typeof import('mediabunny');

let loading: Promise<Mediabunny> | undefined;

export const loadMediabunny = (): Promise<Mediabunny> => (loading ??= import('mediabunny'));
