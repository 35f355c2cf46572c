// Built by scripts/bundle.mjs from examples/*.yaml.
declare module 'seeds:examples' {
  const seeds: { name: string; text: string }[];
  export default seeds;
}
