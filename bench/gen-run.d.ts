export function writeManyModelRun(dir: string, opts?: { models?: number; seed?: number }): Promise<string>;
