// Kept for the report modules' imports; the writer is shared by every command that writes a file the user named.
export { writeFileAtomic } from '../store/write-file.js';
