; Inno Setup 6 script: a per-user installer for Neural Playground (no administrator rights).
; packaging/build.py runs it with the values below:
;   ISCC /DAppVersion=0.1.0 /DSourceDir=dist\NeuralPlayground /DOutputDir=dist
;        /DOutputBase=NeuralPlayground-0.1.0-setup packaging\windows\installer.iss
; Silent install (CI, lab machines): NeuralPlayground-0.1.0-setup.exe /VERYSILENT /CURRENTUSER

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\NeuralPlayground"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef OutputBase
  #define OutputBase "NeuralPlayground-" + AppVersion + "-setup"
#endif

[Setup]
AppId={{6F1B3C52-8E0A-4C4B-9B0D-2C7A51E0B7A3}
AppName=Neural Playground
AppVersion={#AppVersion}
AppVerName=Neural Playground {#AppVersion}
AppPublisher=Neural Playground
DefaultDirName={localappdata}\Programs\Neural Playground
DefaultGroupName=Neural Playground
DisableProgramGroupPage=yes
; per user: no UAC prompt, installs under %LOCALAPPDATA%\Programs
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBase}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\NeuralPlayground.exe
UninstallDisplayName=Neural Playground {#AppVersion}

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; an update replaces the whole bundle: no stale module from an older version stays behind
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Neural Playground"; Filename: "{app}\NeuralPlayground.exe"
Name: "{autodesktop}\Neural Playground"; Filename: "{app}\NeuralPlayground.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\NeuralPlayground.exe"; Description: "{cm:LaunchProgram,Neural Playground}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; the compiled Numba kernels (playground._numba_cache: %LOCALAPPDATA%\NeuralPlayground\Cache)
Type: filesandordirs; Name: "{localappdata}\NeuralPlayground\Cache"
