/**
 * Preload for the agent window (sandboxed, context-isolated). The page is the same one a plain
 * browser shows and talks to the core over HTTP; the shell adds only a marker the page can read.
 */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('nexusShell', Object.freeze({ kind: 'electron' as const }));
