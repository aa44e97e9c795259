// Address-space reservations of wasm memories: V8 reserves more than 4 GiB for each, and
// Linux lists them in /proc/self/maps. Their count is the number of instances whose
// memory is still mapped, so a retired instance that was really let go lowers it.
import { readFileSync } from 'node:fs';

/** How many wasm memories this process still maps. */
export function wasmReservations() {
  return readFileSync('/proc/self/maps', 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[0].split('-').map((hex) => BigInt(`0x${hex}`)))
    .filter(([start, end]) => end - start > 4n * 2n ** 30n).length;
}
