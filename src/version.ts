/**
 * This build's version (package.json's; a unit test keeps them equal). `poseidon --version`
 * prints it, a worker sends it when it registers, and `poseidon node ls` shows it per node.
 */
export const POSEIDON_VERSION = '0.1.0';
