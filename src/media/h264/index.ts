export type { MbContent, VideoFrameSource, EncodeVideoOptions, Ycbcr } from './types.js';
export { rgbToYcbcr } from './colour.js';
export { H264Encoder } from './encoder.js';
export type { EncodedFrame, H264EncoderOptions, H264StreamInfo } from './encoder.js';
