/**
 * Electron shell of the Nexus Migrate Agent: starts the headless agent core, opens its loopback
 * page in a window, keeps a tray icon, and registers start at login. Closing the window hides it;
 * "Quit" in the tray stops the core.
 */
import { app, BrowserWindow, dialog, Menu, nativeImage, session, shell, Tray } from 'electron';
import * as path from 'node:path';
import { startAgentCore, type CoreProcess, type CoreReady } from './core-process';

const APP_ROOT = app.isPackaged ? app.getAppPath() : path.resolve(__dirname, '..', '..', '..');
const ASSETS = path.join(__dirname, '..', 'assets');
const STARTED_HIDDEN = process.argv.includes('--hidden');

let core: CoreProcess | null = null;
let ready: CoreReady | null = null;
let win: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;

function log(line: string): void {
  process.stdout.write(`[agent] ${line}\n`);
}

function isAgentUrl(target: string): boolean {
  return ready !== null && new URL(target).origin === ready.url;
}

function openWindow(): void {
  if (!ready) return;
  if (win) {
    win.show();
    win.focus();
    return;
  }
  win = new BrowserWindow({
    width: 1100,
    height: 880,
    title: 'Nexus Migrate Agent',
    icon: path.join(ASSETS, 'tray.png'),
    show: false,
    webPreferences: { preload: path.join(__dirname, 'preload.js'), contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (details) => {
    if (!isAgentUrl(details.url)) details.preventDefault();
  });
  win.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      win?.hide();
    }
  });
  win.on('closed', () => (win = null));
  win.once('ready-to-show', () => win?.show());
  // Each window signs in with a fresh one-time link; the cookie lives in this session only.
  win.loadURL(ready.loginUrl).catch((err: unknown) => log(`could not load the agent UI: ${String(err)}`));
}

function buildTray(): void {
  tray = new Tray(nativeImage.createFromPath(path.join(ASSETS, 'tray.png')));
  tray.setToolTip('Nexus Migrate Agent');
  const autoStartSupported = process.platform === 'win32' || process.platform === 'darwin';
  const refresh = (): void => {
    const openAtLogin = autoStartSupported && app.getLoginItemSettings().openAtLogin;
    tray?.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Nexus Migrate Agent', click: openWindow },
        {
          label: 'Start at login',
          type: 'checkbox',
          checked: openAtLogin,
          // Linux desktops: the installer's systemd unit runs the agent at boot instead.
          enabled: autoStartSupported,
          click: (item) => {
            setAutoStart(item.checked);
            refresh();
          },
        },
        { type: 'separator' },
        { label: 'Quit (stops the agent)', click: () => app.quit() },
      ]),
    );
  };
  tray.on('click', openWindow);
  refresh();
}

function setAutoStart(enabled: boolean): void {
  app.setLoginItemSettings({ openAtLogin: enabled, args: ['--hidden'] });
}

const RESTART_DELAY_MS = 5_000;
const MAX_RESTARTS_PER_HOUR = 5;
const restarts: number[] = [];

/** Start (or restart) the core; a running window follows it to its new sign-in link. */
async function startCore(): Promise<boolean> {
  core = startAgentCore({ appRoot: APP_ROOT, packaged: app.isPackaged, onLog: log, onUnexpectedExit: onCoreExit });
  try {
    ready = await core.ready;
  } catch (err) {
    dialog.showErrorBox('Nexus Migrate Agent', `The agent could not start.\n\n${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
  tray?.setToolTip('Nexus Migrate Agent: running');
  if (win) win.loadURL(ready.loginUrl).catch((e: unknown) => log(`could not reload the agent UI: ${String(e)}`));
  return true;
}

function onCoreExit(code: number | null, signal: NodeJS.Signals | null): void {
  if (quitting) return;
  log(`agent core stopped unexpectedly (code ${code}, signal ${signal})`);
  tray?.setToolTip('Nexus Migrate Agent: restarting');
  core = null;
  ready = null;
  const now = Date.now();
  while (restarts.length > 0 && restarts[0]! < now - 3_600_000) restarts.shift();
  if (restarts.length >= MAX_RESTARTS_PER_HOUR) {
    dialog.showErrorBox('Nexus Migrate Agent', 'The agent keeps stopping; see its log. It will not be restarted again until the app is reopened.');
    tray?.setToolTip('Nexus Migrate Agent: stopped');
    return;
  }
  restarts.push(now);
  setTimeout(() => {
    if (quitting) return;
    startCore().catch((err: unknown) => log(`restart failed: ${String(err)}`));
  }, RESTART_DELAY_MS);
}

async function boot(): Promise<void> {
  // No page may ask for camera, notifications, geolocation …
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  if (app.isPackaged && !app.getLoginItemSettings().openAtLogin && process.platform !== 'linux') setAutoStart(true);
  buildTray();
  if (!(await startCore())) {
    quitting = true;
    app.quit();
    return;
  }
  if (!STARTED_HIDDEN) openWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', openWindow);
  app.on('window-all-closed', () => {
    // Stay in the tray: the agent keeps streaming with no window open.
  });
  app.on('activate', openWindow);
  app.on('before-quit', (event) => {
    quitting = true;
    if (!core) return;
    event.preventDefault();
    const stopping = core;
    core = null;
    stopping
      .stop()
      .catch((err: unknown) => log(`agent core did not stop cleanly: ${String(err)}`))
      .finally(() => app.exit(0));
  });
  app
    .whenReady()
    .then(boot)
    .catch((err: unknown) => {
      log(`shell failed to start: ${String(err)}`);
      app.exit(1);
    });
}
