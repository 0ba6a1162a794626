/* policies/paths.c - see include/policies/paths.h */
