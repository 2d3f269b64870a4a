/** Svelte compiler options for the editor (runes are enabled per file by their use). */
export default {
  compilerOptions: {},
}
