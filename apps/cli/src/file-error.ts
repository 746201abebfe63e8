/** A file system error as one short phrase for the user (no stack, no syscall names). */
export function fileErrorMessage(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'EEXIST':
      return 'exists and is not a folder';
    case 'ELOOP':
      return 'symbolic link loop';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
