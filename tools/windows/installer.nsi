; overlay's Windows installer: per user, no administrator rights.
; Built by tools/windows/build.py (makensis -INPUTCHARSET UTF8 -DVERSION=… -DNUMERIC_VERSION=…
; -DSRCDIR=<the bundle folder> -DOUTFILE=<setup.exe> -DENTRY=<the shortcut's name>).
;
; Installs into %LOCALAPPDATA%\Programs\overlay, a Start-menu and a desktop entry that open
; the page, an uninstaller registered for "Apps & features". /S installs silently (IT staff).
; The user's data (logo library, jobs, report drafts) lives in %LOCALAPPDATA%\overlay, outside
; the install folder: installing a newer version over an old one keeps it, and so does
; uninstalling.

Unicode true
Target amd64-unicode            ; a PE32+ stub: 64-bit Windows only, like the runtime it carries
RequestExecutionLevel user
!ifdef FAST
SetCompressor zlib              ; tests: seconds instead of minutes, same files
!else
SetCompressor /SOLID lzma
!endif
ManifestDPIAware true

!define APP "overlay"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\overlay"

Name "${ENTRY}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\overlay"
InstallDirRegKey HKCU "Software\overlay" "InstallDir"
BrandingText "overlay ${VERSION}"

VIProductVersion "${NUMERIC_VERSION}"
VIAddVersionKey /LANG=0 "ProductName" "overlay"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "overlay ${VERSION} setup"
VIAddVersionKey /LANG=0 "LegalCopyright" "GPL-3.0-or-later"

!include MUI2.nsh
!define MUI_ICON "${SRCDIR}\overlay.ico"
!define MUI_UNICON "${SRCDIR}\overlay.ico"
!define MUI_FINISHPAGE_RUN "$INSTDIR\overlay-web.cmd"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Thai"
!insertmacro MUI_LANGUAGE "English"

Section "overlay"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  ; An upgrade: the old runtime and packages go first, so no module of the old version is
  ; left beside the new ones. Nothing of the user's is in here.
  RMDir /r "$INSTDIR\python"
  File /r "${SRCDIR}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${ENTRY}.lnk" "$INSTDIR\overlay-web.cmd" "" "$INSTDIR\overlay.ico" 0
  CreateShortcut "$DESKTOP\${ENTRY}.lnk" "$INSTDIR\overlay-web.cmd" "" "$INSTDIR\overlay.ico" 0

  WriteRegStr HKCU "Software\overlay" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${ENTRY}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\overlay.ico"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${ENTRY}.lnk"
  Delete "$DESKTOP\${ENTRY}.lnk"
  ; Only what the installer put there (the folder may have been chosen by hand).
  RMDir /r "$INSTDIR\python"
  Delete "$INSTDIR\overlay.cmd"
  Delete "$INSTDIR\overlay-web.cmd"
  Delete "$INSTDIR\overlay.ico"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINST_KEY}"
  DeleteRegKey HKCU "Software\overlay"
SectionEnd
