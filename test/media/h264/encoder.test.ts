import { describe, expect, it } from 'vitest';
import { rgbToYcbcr } from '../../../src/media/h264/colour.js';
import { H264Encoder, type EncodedFrame } from '../../../src/media/h264/encoder.js';
import type { VideoFrameSource } from '../../../src/media/h264/types.js';
import { BitReader, unescape } from './bitreader.js';
import { syntheticSource } from './synthetic.js';

const encodeAll = (source: VideoFrameSource, keyframeInterval = 48): EncodedFrame[] => [
  ...new H264Encoder(source, { fps: 24, keyframeInterval }).frames(),
];

describe('rgbToYcbcr', () => {
  it('maps black, white and the primaries to BT.601 limited range', () => {
    expect(rgbToYcbcr(0, 0, 0)).toEqual({ y: 16, cb: 128, cr: 128 });
    expect(rgbToYcbcr(255, 255, 255)).toEqual({ y: 235, cb: 128, cr: 128 });
    expect(rgbToYcbcr(255, 0, 0)).toEqual({ y: 81, cb: 90, cr: 240 });
    expect(rgbToYcbcr(0, 255, 0)).toEqual({ y: 145, cb: 54, cr: 34 });
    expect(rgbToYcbcr(0, 0, 255)).toEqual({ y: 41, cb: 240, cr: 110 });
  });
});

describe('H264Encoder', () => {
  it('describes a Constrained Baseline stream at a level that admits the picture size', () => {
    const enc = new H264Encoder(syntheticSource({ widthMbs: 112, heightMbs: 64, frameCount: 1 }), {
      fps: 24,
      keyframeInterval: 48,
    });
    expect(enc.info.codec).toBe('avc1.42c028');
    expect(enc.info.sps[0] & 0x1f).toBe(7);
    expect(enc.info.pps[0] & 0x1f).toBe(8);
    const sps = new BitReader(unescape(enc.info.sps.subarray(1)));
    expect([sps.u(8), sps.u(8), sps.u(8)]).toEqual([66, 0xc0, 40]);
    expect(sps.ue()).toBe(0); // seq_parameter_set_id
    sps.ue(); // log2_max_frame_num_minus4
    expect(sps.ue()).toBe(2); // pic_order_cnt_type
    expect(sps.ue()).toBe(1); // max_num_ref_frames
    sps.u(1);
    expect([sps.ue() + 1, sps.ue() + 1]).toEqual([112, 64]);
    const avcC = enc.info.avcC;
    expect([avcC[0], avcC[1], avcC[2], avcC[3], avcC[4] & 3]).toEqual([1, 66, 0xc0, 40, 3]);
    expect(new H264Encoder(syntheticSource({ widthMbs: 45, heightMbs: 80, frameCount: 1 }), { fps: 24, keyframeInterval: 1 }).info.level).toBe(31);
  });

  it('starts IDR pictures on the keyframe interval and P pictures otherwise', () => {
    const frames = encodeAll(syntheticSource({ widthMbs: 20, heightMbs: 10, frameCount: 30 }), 12);
    expect(frames.map((f, i) => (f.key ? i : -1)).filter((i) => i >= 0)).toEqual([0, 12, 24]);
    for (const f of frames) expect(f.data[4] & 0x1f).toBe(f.key ? 5 : 1);
    for (const f of frames) {
      const length = (f.data[0] << 24) | (f.data[1] << 16) | (f.data[2] << 8) | f.data[3];
      expect(length).toBe(f.data.length - 4);
    }
  });

  it('predicts flat regions exactly and sends I_PCM only where prediction cannot reproduce the picture', () => {
    const W = 20;
    const H = 10;
    const [idr, p] = encodeAll(syntheticSource({ widthMbs: W, heightMbs: H, frameCount: 40 }));
    // I_PCM: the first MB (no neighbours, background is not mid-grey), the box's top-left corner,
    // the gradient's top row and its second MB down (8 + 1: their neighbours average to another
    // value; the third, 76 between 74 and 78, is DC-exact), the checkerboard, the bar's two front MBs
    // and the background MB under them (first column: only a mixed upper edge to predict from).
    // Everything else, including MBs next to a region boundary (vertical/horizontal modes), is predicted.
    expect(idr.pcm).toBe(1 + 1 + 9 + 1 + 2 + 1);
    expect(idr.predicted).toBe(W * H - idr.pcm);
    // Frame 1: the checkerboard (I_PCM), the bar's first column now full bar with no equal neighbour
    // (I_PCM), and three MBs whose upper neighbour equals them (predicted); the rest is skipped.
    expect(p.key).toBe(false);
    expect([p.pcm, p.predicted, p.skipped]).toEqual([2, 3, W * H - 5]);
    expect(p.data.length).toBeLessThan(idr.data.length);
  });

  it('codes a picture without changes as one skip run', () => {
    const still: VideoFrameSource = {
      widthMbs: 8,
      heightMbs: 4,
      frameCount: 3,
      mb: () => ({ kind: 'flat', y: 128, cb: 128, cr: 128 }),
      changed: () => [],
    };
    const [idr, p1] = encodeAll(still);
    expect(idr.pcm).toBe(0); // mid-grey is predicted even without neighbours
    expect(p1.skipped).toBe(32);
    // header + slice header (few bytes) + ue(32) + trailing bits
    expect(p1.data.length).toBeLessThan(16);
  });

  it('accepts duplicate and unsorted changed indices', () => {
    const base = syntheticSource({ widthMbs: 20, heightMbs: 10, frameCount: 10 });
    const messy: VideoFrameSource = { ...base, changed: (f) => [...base.changed(f)].reverse().flatMap((i) => [i, i]) };
    expect(encodeAll(messy).map((f) => f.data)).toEqual(encodeAll(base).map((f) => f.data));
  });

  it('names the problem when the source is malformed', () => {
    const base = syntheticSource({ widthMbs: 4, heightMbs: 4, frameCount: 2 });
    expect(() => encodeAll({ ...base, changed: () => [16] })).toThrow(/changed\(1\) listed macroblock index 16; expected 0\.\.15/);
    expect(() =>
      encodeAll({ ...base, mb: () => ({ kind: 'samples', y: new Uint8Array(255), cb: new Uint8Array(64), cr: new Uint8Array(64) }) }),
    ).toThrow(/macroblock \(0, 0\) of frame 0 has 255\/64\/64/);
    expect(() => new H264Encoder({ ...base, widthMbs: 0 }, { fps: 24, keyframeInterval: 1 })).toThrow(/widthMbs must be a positive integer, got 0/);
    expect(() => new H264Encoder(base, { fps: 24, keyframeInterval: 0 })).toThrow(/keyframeInterval/);
  });
});
