/**
 * A silent AAC-LC mono track at 48 kHz, built by hand because it is a constant: one
 * AudioSpecificConfig and one 4-byte raw_data_block repeated. Pulling in an AAC encoder (or shipping
 * WebCodecs-only code) to produce silence would be far more machinery than the two constants below.
 */

export const AAC_SAMPLE_RATE = 48_000;
/** Samples per AAC-LC frame (frameLengthFlag 0). */
export const AAC_FRAME_SAMPLES = 1024;
export const AAC_CODEC = 'mp4a.40.2';
export const AAC_CHANNELS = 1;

/**
 * AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1): audioObjectType 2 (AAC LC, 5 bits 00010),
 * samplingFrequencyIndex 3 (48000 Hz, 0011), channelConfiguration 1 (mono, 0001), then
 * GASpecificConfig frameLengthFlag 0, dependsOnCoreCoder 0, extensionFlag 0.
 *   00010 0011 0001 0 0 0 -> 0001 0001 1000 1000
 */
export function aacAudioSpecificConfig(): Uint8Array {
  return Uint8Array.of(0x11, 0x88);
}

/**
 * One raw_data_block (ISO/IEC 14496-3 4.4.2.1) decoding to 1024 zero samples: a single channel
 * element with no scale factor bands and then the END element.
 *   id_syn_ele SCE 000, element_instance_tag 0000, global_gain 8 bits (unused without bands),
 *   ics_info: reserved 0, window_sequence ONLY_LONG 00, window_shape 0, max_sfb 000000,
 *   predictor_data_present 0; pulse/tns/gain_control present 0 0 0; id_syn_ele END 111.
 * That is exactly 32 bits, so no byte alignment padding follows.
 */
export function aacSilentFrame(): Uint8Array {
  return Uint8Array.of(0x00, 0x00, 0x00, 0x07);
}

/** Number of AAC frames covering `seconds` (rounded up, so audio is never shorter than the video). */
export function aacFrameCount(seconds: number): number {
  return Math.ceil((seconds * AAC_SAMPLE_RATE) / AAC_FRAME_SAMPLES - 1e-9);
}
