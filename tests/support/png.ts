import { inflateSync } from 'node:zlib';

/** A decoded image: `width × height` pixels, 4 bytes each (RGBA), row by row. */
export interface Image {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A small PNG decoder, enough for browser screenshots: 8-bit truecolour
 * (RGB or RGBA) or greyscale, not interlaced, every filter type.
 */
export function decodePng(png: Buffer): Image {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let colourType = -1;
  const idat: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8];
      colourType = data[9];
      const interlace = data[12];
      if (bitDepth !== 8 || ![0, 2, 4, 6].includes(colourType) || interlace !== 0) {
        throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colourType as 0 | 2 | 4 | 6];
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[out + x - channels] : 0;
      const up = y > 0 ? pixels[out - stride + x] : 0;
      const upLeft = y > 0 && x >= channels ? pixels[out - stride + x - channels] : 0;
      let predicted: number;
      switch (filter) {
        case 0:
          predicted = 0;
          break;
        case 1:
          predicted = left;
          break;
        case 2:
          predicted = up;
          break;
        case 3:
          predicted = (left + up) >> 1;
          break;
        case 4:
          predicted = paeth(left, up, upLeft);
          break;
        default:
          throw new Error(`unknown PNG filter ${filter} on row ${y}`);
      }
      pixels[out + x] = (line[x] + predicted) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, p = 0; i < width * height; i++, p += channels) {
    const grey = channels <= 2;
    rgba[i * 4] = pixels[p];
    rgba[i * 4 + 1] = grey ? pixels[p] : pixels[p + 1];
    rgba[i * 4 + 2] = grey ? pixels[p] : pixels[p + 2];
    rgba[i * 4 + 3] = channels === 4 ? pixels[p + 3] : channels === 2 ? pixels[p + 1] : 255;
  }
  return { width, height, rgba };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A horizontal run of one colour: the bars of a bar chart. */
export interface Band {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  /** The longest run of the colour on any pixel row of the band. */
  readonly width: number;
  readonly pixels: number;
}

/**
 * The bands of pixels of exactly one colour, top to bottom: consecutive pixel
 * rows that contain it, each with its widest run and its pixel count.
 */
export function colourBands(image: Image, [r, g, b]: readonly [number, number, number]): Band[] {
  const bands: Band[] = [];
  let current: { top: number; bottom: number; left: number; width: number; pixels: number } | null = null;
  for (let y = 0; y < image.height; y++) {
    let longest = 0;
    let longestLeft = 0;
    let run = 0;
    let count = 0;
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4;
      if (image.rgba[i] === r && image.rgba[i + 1] === g && image.rgba[i + 2] === b) {
        run++;
        count++;
        if (run > longest) {
          longest = run;
          longestLeft = x - run + 1;
        }
      } else {
        run = 0;
      }
    }
    if (count === 0) {
      if (current) bands.push(current);
      current = null;
    } else if (current) {
      current.bottom = y;
      current.pixels += count;
      if (longest > current.width) {
        current.width = longest;
        current.left = longestLeft;
      }
    } else {
      current = { top: y, bottom: y, left: longestLeft, width: longest, pixels: count };
    }
  }
  if (current) bands.push(current);
  return bands;
}
