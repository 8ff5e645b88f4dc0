; NSIS hooks for electron-builder (nsis.include): register the headless agent as a Windows
; service through WinSW and give the LocalService account its own data folder.
; WinSW-x64.exe is not in the repository: the build machine downloads it into
; installer/windows/ as nexus-migrate-agent-service.exe before building (see installer/README.md).

!macro customInstall
  CreateDirectory "$COMMONPROGRAMDATA\Nexus Migrate Agent"
  nsExec::ExecToLog 'icacls "$COMMONPROGRAMDATA\Nexus Migrate Agent" /inheritance:r /grant:r "*S-1-5-18:(OI)(CI)F" "*S-1-5-32-544:(OI)(CI)F" "*S-1-5-19:(OI)(CI)M"'
  nsExec::ExecToLog '"$INSTDIR\resources\windows\nexus-migrate-agent-service.exe" install "$INSTDIR\resources\windows\nexus-migrate-agent.xml"'
!macroend

!macro customUnInstall
  nsExec::ExecToLog '"$INSTDIR\resources\windows\nexus-migrate-agent-service.exe" stop "$INSTDIR\resources\windows\nexus-migrate-agent.xml"'
  nsExec::ExecToLog '"$INSTDIR\resources\windows\nexus-migrate-agent-service.exe" uninstall "$INSTDIR\resources\windows\nexus-migrate-agent.xml"'
!macroend
