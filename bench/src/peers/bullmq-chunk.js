// The chunked raw BullMQ peer's processor as a sandboxed file (bench measure 8): BullMQ runs it in
// worker threads (useWorkerThreads), its items off the main thread as Threadline's are.
export default async function processChunk(job) {
  return job.data.items.map((i) => i * 2);
}
