/**
 * `jina-clip-runtime/testing`: what a test needs to run a pipeline offline: a loopback server
 * speaking the Jina API protocol, a loopback Hugging Face Hub, and a builder of tiny model repos.
 * @packageDocumentation
 */
export {};
