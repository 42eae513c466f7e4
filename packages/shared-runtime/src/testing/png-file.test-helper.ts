/** The PNG writer of the hostile image generators, for the tests that build PNGs by hand. */
export { pngFile } from './hostile-images.js';
